// hall.js — the applicant's page (办事大厅, the online service hall): one tab
// per workflow panel, Chinese first. Links: /hall.html#token=… (scripts/run
// and `witnessctl link --page hall` print them). Everything else is in
// shell.js; a panel is signaling/web/panels/<module>-hall.js (see shell.js
// for the contract). To add one: an import line and a line in PANELS.
import { startShell } from './shell.js';
import * as consult from './panels/consult-hall.js';
import * as appoint from './panels/appoint-hall.js';
import * as witness from './panels/witness-hall.js';

const PANELS = [
  consult,
  appoint,
  witness,
];

const shell = startShell({ page: 'hall', panels: PANELS });
shell.addStrings({ zh: { 'page.title': '云上办事大厅' }, en: { 'page.title': 'Online service hall' } });
