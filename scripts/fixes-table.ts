// Writes docs/config-fixes.md from steps/: every note, whether its fix is mechanical (declared as `fixes:`) and if
// not, why not. Usage: node --import tsx scripts/fixes-table.ts > docs/config-fixes.md
// (test/scripts/fixes-table.test.ts keeps it true, and fails for a config-checked note nobody has classified).
import type { FixOp } from '../src/core/fixes/types.js';
import type { Note } from '../src/core/notes/types.js';
import { loadReleaseData } from '../src/system/release-data.js';
import { decidedBy } from './notes-table.js';

const WHY = {
  choice: 'needs a value or a choice only the admin can make',
  outside: 'the change is outside the config files (templates, modules, bridges, proxy, dashboards, packages, database)',
  nothing: 'nothing to change in the config (read it, or pick another release)',
  later: 'mechanical, not declared yet (a list item or a cross-file edit the vocabulary does not cover)',
} as const;
type Why = keyof typeof WHY;

/** Config-checked notes without `fixes:`: why not. A new such note must be added here (the test says so). */
export const NOT_MECHANICAL: Record<string, Why> = {
  'v0-8-captcha-public-key': 'outside',
  'v0-11-report-stats-required': 'choice',
  'v0-27-3-report-stats-psutil': 'outside',
  'v0-33-7-email-templates-moved': 'outside',
  'v0-34-python3-log-encoding': 'later',
  'v0-34-riot-im-trusted-id-server': 'later',
  'v0-99-replace-self-signed-certificates': 'outside',
  'v1-0-password-reset-email-needs-smtp': 'choice',
  'v1-0-partial-email-block-refused': 'choice',
  'v1-0-password-reset-templates': 'outside',
  'v1-2-counter-metrics-renamed': 'outside',
  'v1-4-new-email-templates-required': 'outside',
  'v1-4-threepid-verification-not-delegated': 'choice',
  'v1-4-trust-identity-server-needs-servers': 'choice',
  'v1-4-partial-email-block-refused': 'choice',
  'v1-4-phone-verification-delegate': 'choice',
  'v1-5-devices-migration': 'nothing',
  'v1-7-public-rooms-private-by-default': 'choice',
  'v1-8-log-file-refused': 'choice',
  'v1-10-postgres-locale-warning': 'outside',
  'v1-12-room-version-migration': 'outside',
  'v1-13-new-sso-templates': 'outside',
  'v1-18-redis-replication-recommended': 'choice',
  'v1-21-password-reset-confirmation-template': 'outside',
  'v1-21-saml-error-template': 'outside',
  'v1-22-third-party-event-rules-module-api': 'outside',
  'v1-24-oidc-mapping-provider-normalise': 'outside',
  'v1-27-oidc-callback-uri': 'outside',
  'v1-27-saml2-callback-uri': 'outside',
  'v1-27-template-autoescape': 'outside',
  'v1-29-x-forwarded-proto': 'outside',
  'v1-32-prometheus-regression': 'nothing',
  'v1-32-appservice-login-type': 'outside',
  'v1-33-account-validity-templates': 'outside',
  'v1-37-spam-checker-deprecated': 'outside',
  'v1-38-events-reindex': 'outside',
  'v1-39-third-party-rules-deprecated': 'outside',
  'v1-41-user-media-admin-on-media-workers': 'outside',
  'v1-42-uia-fallback-template-error': 'outside',
  'v1-44-url-cache-not-mirrored': 'outside',
  'v1-45-storage-provider-config-sections': 'outside',
  'v1-48-top-level-trust-identity-server-error': 'choice',
  'v1-55-mjolnir-1-3-2': 'outside',
  'v1-56-open-registration-refused': 'choice',
  'v1-56-postgres-locale-refused': 'outside',
  'v1-57-stop-appservice-worker': 'outside',
  'v1-58-groups-off-by-default': 'choice',
  'v1-59-device-names-over-federation': 'choice',
  'v1-59-appservice-user-dir-apps-deprecated': 'later',
  'v1-59-contradicting-worker-options': 'later',
  'v1-59-legacy-worker-app-refused': 'later',
  'v1-60-state-group-edges-duplicates': 'outside',
  'v1-64-threepid-delegate-email-deprecated': 'choice',
  'v1-66-threepid-delegate-email-removed': 'choice',
  'v1-67-tcp-replication-removed': 'later',
  'v1-67-workers-need-redis': 'choice',
  'v1-69-legacy-metrics-deprecated': 'outside',
  'v1-71-appservice-user-regex-local-only': 'outside',
  'v1-71-legacy-metrics-off': 'outside',
  'v1-81-appservice-legacy-routes-deprecated': 'outside',
  'v1-84-0-workers-without-instance-map': 'nothing',
  'v1-85-appservice-register-user-deprecated': 'outside',
  'v1-89-appservice-register-user-removed': 'outside',
  'v1-90-appservice-legacy-auth-off': 'choice',
  'v1-111-authenticated-media-routes': 'outside',
  'v1-120-authenticated-media-default': 'choice',
  'v1-126-room-publication-admins-only': 'choice',
  'v1-136-federation-metric-labels': 'outside',
  'v1-139-mas-appservice-inhibit-login': 'outside',
  'v1-140-s3-storage-provider-1-6': 'outside',
  'v1-150-systemd-extra-removed': 'outside',
  'v1-151-postgres-statement-timeout': 'choice',
  'v1-158-default-room-version-11': 'choice',
  'v1-159-postgres-idle-in-transaction-timeout': 'choice',
  'v1-161-livekit-service-url-deprecated': 'choice',
  'v1-161-msc3202-device-id-param-removed': 'outside',
  'v1-162-default-room-version-12': 'choice',
  'v1-162-rc-profile-rate-limit': 'choice',
  'v1-163-profile-limit-needs-auth': 'choice',
  'v1-163-url-preview-beautifulsoup': 'outside',
};

const opText = (op: FixOp): string => {
  const where = (scopes: readonly string[]) => (scopes.length === 1 && scopes[0] === 'config' ? '' : ` (${scopes.join(', ')})`);
  switch (op.op) {
    case 'rename':
      return `rename \`${op.path}\` → \`${op.to}\`${op.merge ? ' (lists joined)' : ''}${where(op.in)}`;
    case 'move':
      return `move \`${op.paths.join('`, `')}\` → \`${op.to}\`${op.with ? ` with ${op.with}` : ''}${op.merge ? ' (lists joined)' : ''}${where(op.from)}`;
    case 'delete':
      return `delete \`${op.path}\`${op.unlessMatches ? ` unless it matches \`${op.unlessMatches}\`` : ''}${where(op.in)}`;
    case 'transform':
      return `rewrite \`${op.path}\` with ${op.with}${where(op.in)}`;
  }
};

/** Whether a note's fix is mechanical, and what it is or why not. */
export function fixRow(note: Note): { mechanical: boolean; text: string } | undefined {
  if (note.fixes?.length) return { mechanical: true, text: note.fixes.map(opText).join('; ') };
  const decided = decidedBy(note);
  if (decided === 'always') return { mechanical: false, text: 'not a config setting: every server it concerns reads it' };
  if (decided === 'judgement') return { mechanical: false, text: 'nothing in the config decides it' };
  if (decided === 'facts') return { mechanical: false, text: 'about the platform or install, not a config setting' };
  const why = NOT_MECHANICAL[note.id];
  return why ? { mechanical: false, text: WHY[why] } : undefined;
}

export async function fixesTable(): Promise<string> {
  const { notes } = await loadReleaseData();
  const rows = notes.map((n) => ({ n, row: fixRow(n) }));
  const missing = rows.filter((r) => !r.row).map((r) => r.n.id);
  if (missing.length)
    throw new Error(`classify these config-checked notes in scripts/fixes-table.ts (NOT_MECHANICAL) or give them fixes: ${missing.join(', ')}`);
  const mechanical = rows.filter((r) => r.row?.mechanical).length;
  return [
    '# Config fixes: which notes a program can fix',
    '',
    'Generated from `steps/` by `node --import tsx scripts/fixes-table.ts > docs/config-fixes.md`; a test keeps it in step.',
    '',
    `${mechanical} of ${notes.length} notes have a mechanical fix, declared as \`fixes:\` next to the note (see`,
    '`steps/README.md`). `synapse-upgrade notes --from A --to B -c PATH --fix` shows them as a diff for the notes',
    'that apply; `--yes` applies them with a backup. A fix that would not be exact on a given config (values that',
    'disagree, a value already set differently, a shape the rewrite does not know) is refused with the reason and',
    "left to the admin; a note's fix is made whole or not at all. The wizard offers the same fixes as a diff",
    "with Apply / Skip after the notes (`--apply-fixes` under `--yes`), writes them just before the new version's",
    'own config check, and puts the files back byte for byte on any rollback.',
    '',
    '| release | note | mechanical | fix, or why not |',
    '|---|---|---|---|',
    ...rows.map(({ n, row }) => `| ${n.version} | ${n.id} | ${row?.mechanical ? 'yes' : 'no'} | ${row?.text.replace(/\|/g, '\\|')} |`),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('fixes-table.ts')) process.stdout.write(await fixesTable());
