// clerk.js — the registration clerk's page (档案查询): find a witnessed
// recording by a party's ID number, case number or date, see that it
// verifies and was notarised, play the parties side by side, export it for
// the court. Link: /clerk.html#token=… (a clerk or admin token). Everything
// else is in shell.js; the panel is panels/archive-clerk.js. The server
// refuses every archive request from anyone but clerks and admins.
import { startShell } from './shell.js';
import * as archive from './panels/archive-clerk.js';

const shell = startShell({ page: 'clerk', panels: [archive] });
shell.addStrings({ zh: { 'page.title': '档案查询' }, en: { 'page.title': 'Records' } });
