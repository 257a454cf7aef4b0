// admin.js — the administrator's page (系统管理): rooms open now, recordings
// (the archive's search, holds and retention), notary outbox entries still
// waiting. Link: /admin.html#token=… (an admin token). Everything else is in
// shell.js; the panels are panels/archive-admin.js and the clerk's search.
import { startShell } from './shell.js';
import * as overview from './panels/archive-admin.js';
import * as records from './panels/archive-clerk.js';

const shell = startShell({ page: 'admin', panels: [overview, records] });
shell.addStrings({ zh: { 'page.title': '系统管理' }, en: { 'page.title': 'Administration' } });
