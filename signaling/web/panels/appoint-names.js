// panels/appoint-names.js — the appointment panels' strings: business types
// and progress states in Chinese and English. The clerk's page names a
// recording's business from here too (archive-clerk.js). Runs in the page.
export const TYPES = ['transfer', 'transfer-mortgage', 'certificate-replacement', 'lost-certificate'];

export const STRINGS = {
  zh: {
    'appoint.type.transfer': '存量房转移登记',
    'appoint.type.transfer-mortgage': '存量房转移及抵押登记',
    'appoint.type.certificate-replacement': '换发不动产权证书',
    'appoint.type.lost-certificate': '不动产权证书遗失补发',
    'appoint.state.booked': '已预约',
    'appoint.state.checked-in': '已签到，等待工作人员',
    'appoint.state.in-progress': '办理中',
    'appoint.state.done': '已办结',
    'appoint.state.cancelled': '已取消',
    'appoint.state.missed': '已过号',
    'appoint.col.no': '编号',
    'appoint.col.type': '业务',
    'appoint.col.time': '时间',
    'appoint.col.who': '申请人',
    'appoint.col.state': '进度',
    'error.too-early': '还未到签到时间',
    'error.too-late': '已过签到时间',
    'error.full': '该时段已约满',
    'error.conflict': '当前状态不能这样操作',
  },
  en: {
    'appoint.type.transfer': 'Transfer of an existing home',
    'appoint.type.transfer-mortgage': 'Transfer plus mortgage',
    'appoint.type.certificate-replacement': 'Certificate replacement',
    'appoint.type.lost-certificate': 'Replacement of a lost certificate',
    'appoint.state.booked': 'Booked',
    'appoint.state.checked-in': 'Checked in, waiting for staff',
    'appoint.state.in-progress': 'In progress',
    'appoint.state.done': 'Done',
    'appoint.state.cancelled': 'Cancelled',
    'appoint.state.missed': 'Missed',
    'appoint.col.no': 'No.',
    'appoint.col.type': 'Business',
    'appoint.col.time': 'Time',
    'appoint.col.who': 'Applicant',
    'appoint.col.state': 'Progress',
    'error.too-early': 'Check-in is not open yet',
    'error.too-late': 'Check-in has closed',
    'error.full': 'That slot is full',
    'error.conflict': 'Not possible in this state',
  },
};
