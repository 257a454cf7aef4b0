// console.js — the staff console (工作台): one tab per workflow panel (the
// queue, check-ins, entrustment cases…) above the video room, where staff
// see each party's video, liveness badge and the recording state. Links:
// /console.html#token=… (scripts/run and `witnessctl link --page console`).
// Everything else is in shell.js; a panel is
// signaling/web/panels/<module>-console.js. To add one: an import line and a
// line in PANELS.
import { startShell } from './shell.js';
import * as consult from './panels/consult-console.js';
import * as appoint from './panels/appoint-console.js';
import * as witness from './panels/witness-console.js';
import * as clock from './panels/clock-console.js';

const PANELS = [
  consult,
  appoint,
  witness,
  clock,
];

const shell = startShell({ page: 'console', panels: PANELS });
shell.addStrings({ zh: { 'page.title': '工作人员工作台' }, en: { 'page.title': 'Staff console' } });
