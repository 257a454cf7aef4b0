// i18n.js — the two languages of the hall and console pages: Chinese first,
// English available. Plain ES module, no build step; runs in the page.
//
//   import { createI18n } from './i18n.js';
//   const i18n = createI18n();               // language from ?lang=, then localStorage, else zh
//   i18n.addStrings({ zh: { hello: '你好 {name}' }, en: { hello: 'Hello {name}' } });
//   el.textContent = i18n.t('hello', { name: 'Li' });
//   i18n.onChange(() => render());           // after setLang()
//   i18n.apply(root);                        // every [data-i18n="key"] under root gets t(key)
//
// A key missing in the chosen language falls back to Chinese, then to the key
// itself, so a missing string shows up as its key instead of as nothing.
// Strings are only ever put into the page with textContent.

const LANGS = ['zh', 'en'];
const STORE_KEY = 'witness.lang';

const COMMON = {
  zh: {
    'lang.switch': 'English',
    'state.connecting': '连接中…',
    'state.signing-in': '验证身份…',
    'state.connected': '已连接',
    'state.no-token': '没有令牌：请用收到的链接打开本页。',
    'state.refused': '身份验证被拒绝',
    'state.closed': '连接中断，正在重新连接…',
    'role.applicant': '申请人',
    'role.staff': '工作人员',
    'role.clerk': '登记员',
    'role.admin': '管理员',
    'room.title': '视频房间',
    'room.joining': '正在进入房间…',
    'room.joined': '已在房间中',
    'room.left': '已离开房间',
    'room.refused': '无法进入房间',
    'room.recording': '正在录音录像',
    'room.recording-failed': '录制出错',
    'room.record-start': '开始录制',
    'room.record-stop': '停止录制',
    'room.mute': '静音',
    'room.unmute': '取消静音',
    'room.camera-off': '关闭摄像头',
    'room.camera-on': '开启摄像头',
    'room.leave': '离开',
    'room.me': '我',
    'room.waiting-video': '等待视频…',
    'room.no-media': '无法使用摄像头或麦克风：对方看不到也听不到您。',
    'liveness.none': '未核验',
    'liveness.checking': '活体核验中…',
    'liveness.passed': '活体核验通过',
    'liveness.failed': '活体核验未通过',
    'liveness.error': '无法核验',
    'liveness.prompt.blink': '请眨眨眼',
    'liveness.prompt.face-camera': '请正对摄像头',
    'liveness.warning.multiple-faces': '画面中有多张人脸',
    'liveness.warning.face-lost': '人脸离开画面',
    'error.forbidden': '无权执行此操作',
    'error.generic': '操作没有成功',
    'error.detail': '（服务器说明：{reason}）',
  },
  en: {
    'lang.switch': '中文',
    'state.connecting': 'Connecting…',
    'state.signing-in': 'Signing in…',
    'state.connected': 'Connected',
    'state.no-token': 'No token: open this page with the link you were given.',
    'state.refused': 'Sign-in refused',
    'state.closed': 'Connection lost, reconnecting…',
    'role.applicant': 'Applicant',
    'role.staff': 'Staff',
    'role.clerk': 'Clerk',
    'role.admin': 'Admin',
    'room.title': 'Video room',
    'room.joining': 'Entering the room…',
    'room.joined': 'In the room',
    'room.left': 'Left the room',
    'room.refused': 'Cannot enter the room',
    'room.recording': 'Recording',
    'room.recording-failed': 'Recording failed',
    'room.record-start': 'Start recording',
    'room.record-stop': 'Stop recording',
    'room.mute': 'Mute',
    'room.unmute': 'Unmute',
    'room.camera-off': 'Camera off',
    'room.camera-on': 'Camera on',
    'room.leave': 'Leave',
    'room.me': 'me',
    'room.waiting-video': 'Waiting for video…',
    'room.no-media': 'Camera and microphone are unavailable: the others cannot see or hear you.',
    'liveness.none': 'Not checked',
    'liveness.checking': 'Checking liveness…',
    'liveness.passed': 'Live person',
    'liveness.failed': 'Liveness failed',
    'liveness.error': 'Cannot check',
    'liveness.prompt.blink': 'Please blink',
    'liveness.prompt.face-camera': 'Please face the camera',
    'liveness.warning.multiple-faces': 'More than one face in view',
    'liveness.warning.face-lost': 'The face left the picture',
    'error.forbidden': 'You may not do this',
    'error.generic': 'That did not work',
    'error.detail': ' (server: {reason})',
  },
};

function initialLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(asked)) return asked;
  try {
    const kept = localStorage.getItem(STORE_KEY);
    if (LANGS.includes(kept)) return kept;
  } catch {
    // storage disabled: Chinese
  }
  return 'zh';
}

/** Makes the page's translator (see the top of this file). */
export function createI18n(lang = initialLang()) {
  const strings = { zh: { ...COMMON.zh }, en: { ...COMMON.en } };
  const listeners = new Set();
  const i18n = {
    get lang() {
      return lang;
    },
    /** The string for @key in the current language, with {name} replaced from @vars. */
    t(key, vars = {}) {
      const text = strings[lang][key] ?? strings.zh[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    },
    /** Adds a panel's strings: {zh: {key: text}, en: {key: text}}. */
    addStrings(more) {
      for (const l of LANGS) Object.assign(strings[l], more?.[l] ?? {});
    },
    setLang(next) {
      if (!LANGS.includes(next) || next === lang) return;
      lang = next;
      try {
        localStorage.setItem(STORE_KEY, lang);
      } catch {
        // not kept: fine
      }
      document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
      for (const fn of listeners) fn(lang);
    },
    /** Calls @fn(lang) after each language change; returns a function that stops it. */
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Fills every [data-i18n] element under @root with its string. */
    apply(root = document) {
      for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = i18n.t(el.dataset.i18n);
    },
  };
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  return i18n;
}
