import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import { loadSteps } from '../../src/system/steps-loader.js';
import { placeStockConfig } from '../helpers/stock-notes.js';

// Checks fixed by tracing them to the Synapse code that reads the setting (the note's `source:`). Each case is
// the real 1.46.0 stock config (test/fixtures/stock-configs) with the change that turns the setting on, or
// a near miss that the code does not act on.
const STOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stock-configs', 'v1.46.0');
const steps = await loadSteps();

async function verdict(id: string, change: Record<string, unknown>): Promise<{ applies: string; why: string }> {
  const placed = await placeStockConfig(STOCK, '/tmp/gen/1.46.0');
  try {
    const values = { ...(parse(await readFile(placed.config, 'utf8')) as Record<string, unknown>), ...change };
    await writeFile(placed.config, stringify(values));
    const { facts } = await gatherNoteFacts({ configPaths: [placed.config] });
    const note = steps.notes.find((n) => n.id === id);
    assert.ok(note, id);
    const [r] = evaluateNotes([note], facts);
    return { applies: r!.applies, why: r!.findings.map((f) => f.message).join('; ') };
  } finally {
    await placed.cleanup();
  }
}

const SP = { sp_config: { metadata: { remote: [{ url: 'https://idp.example/metadata.xml' }] } } };
const cases: { id: string; source: string; on: [string, Record<string, unknown>][]; off: [string, Record<string, unknown>][] }[] = [
  {
    id: 'v1-27-saml2-callback-uri', source: 'synapse/config/saml2_config.py@v1.27.0',
    on: [['sp_config set', { saml2_config: SP }], ['config_path set', { saml2_config: { config_path: '/etc/sp.py' } }], ['enabled: "false" is a true string', { saml2_config: { ...SP, enabled: 'false' } }]],
    off: [['the generated skeleton', {}], ['enabled: false', { saml2_config: { ...SP, enabled: false } }], ['enabled: null', { saml2_config: { ...SP, enabled: null } }]],
  },
  {
    id: 'v1-13-new-sso-templates', source: 'synapse/config/sso.py@v1.13.0',
    on: [['sso.template_dir set', { sso: { template_dir: '/etc/synapse/templates' } }]],
    off: [['sso: null (generated)', {}], ['template_dir empty', { sso: { template_dir: '' } }], ['the attribute name is no key', { sso_redirect_confirm_template_dir: '/x' }]],
  },
  {
    id: 'v1-4-trust-identity-server-needs-servers', source: 'synapse/config/emailconfig.py@v1.4.0',
    on: [['top-level true, no servers', { trust_identity_server_for_password_resets: true, trusted_third_party_id_servers: [] }]],
    off: [
      ['under email: the code reads only the top level', { email: { trust_identity_server_for_password_resets: true } }],
      ['the string "true" is not `is True`', { trust_identity_server_for_password_resets: 'true' }],
      ['a trusted server listed', { trust_identity_server_for_password_resets: true, trusted_third_party_id_servers: ['matrix.org'] }],
    ],
  },
  {
    id: 'v1-4-partial-email-block-refused', source: 'synapse/config/emailconfig.py@v1.4.0',
    on: [['email with smtp_host only', { email: { smtp_host: 'localhost' } }], ['complete email, no public_baseurl', { email: { smtp_host: 'l', smtp_port: 25, notif_from: 'a@b' } }]],
    off: [['email: null (generated)', {}], ['complete with public_baseurl', { email: { smtp_host: 'l', smtp_port: 25, notif_from: 'a@b' }, public_baseurl: 'https://m.example/' }], ['a delegate', { email: { smtp_host: 'l' }, account_threepid_delegates: { email: 'https://id.example' } }]],
  },
  {
    id: 'v1-0-partial-email-block-refused', source: 'synapse/config/emailconfig.py@v1.0.0',
    on: [['email with notif_from only', { email: { notif_from: 'a@b' } }]],
    off: [['email: null (generated)', {}], ['trusting the identity server', { email: { notif_from: 'a@b', trust_identity_server_for_password_resets: true } }]],
  },
  {
    id: 'v0-11-report-stats-required', source: 'synapse/config/_base.py@v0.11.0',
    on: [['report_stats missing', { report_stats: undefined }]],
    off: [['report_stats: false (generated)', {}]],
  },
  {
    id: 'v1-8-log-file-refused', source: 'synapse/config/logger.py@v1.8.0',
    on: [['log_file set', { log_file: '/var/log/synapse.log' }]],
    off: [['log_file empty', { log_file: null }]],
  },
  {
    id: 'v1-157-empty-experimental-features', source: 'synapse/config/server.py@v1.157.0',
    on: [['null', { experimental_features: null }], ['false', { experimental_features: false }]],
    off: [['{}', { experimental_features: {} }], ['absent (generated)', {}]],
  },
  {
    id: 'v1-120-msc3886-endpoint-removed', source: 'synapse/config/experimental.py@v1.119.0',
    on: [['set', { experimental_features: { msc3886_endpoint: '/rendezvous' } }]],
    off: [['null', { experimental_features: { msc3886_endpoint: null } }]],
  },
];

for (const c of cases) {
  test(`${c.id} (${c.source}): on when the code turns it on, off otherwise`, async () => {
    const note = steps.notes.find((n) => n.id === c.id)!;
    assert.ok(note.source?.includes(c.source), `${c.id} records its source ${c.source}`);
    for (const [why, change] of c.on) assert.equal((await verdict(c.id, change)).applies, 'yes', `${c.id}: ${why}`);
    for (const [why, change] of c.off) {
      const v = await verdict(c.id, change);
      assert.equal(v.applies, 'no', `${c.id}: ${why} (${v.why})`);
    }
  });
}

test('v1-59-legacy-worker-app-refused (synapse/config/workers.py@v1.59.0): an appservice worker needs notify_appservices set falsy', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'legacy-worker-'));
  try {
    const worker = join(dir, 'appservice.yaml');
    await writeFile(worker, 'worker_app: synapse.app.appservice\nworker_name: as1\n');
    const note = steps.notes.find((n) => n.id === 'v1-59-legacy-worker-app-refused')!;
    const on = async (main: string) => {
      const hs = join(dir, 'homeserver.yaml');
      await writeFile(hs, `server_name: example.org\n${main}`);
      const { facts } = await gatherNoteFacts({ configPaths: [hs], workerConfigPaths: [worker] });
      return evaluateNotes([note], facts)[0]!.applies;
    };
    assert.equal(await on(''), 'yes', 'left out counts as true');
    assert.equal(await on('notify_appservices: true\n'), 'yes');
    assert.equal(await on('notify_appservices: "false"\n'), 'yes', 'a non-empty string is true to Python');
    assert.equal(await on('notify_appservices: false\n'), 'no');
    assert.equal(await on('notify_appservices: null\n'), 'no', 'config.get(..., True) gives None: falsy');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every note with a check names the Synapse code it was traced to (source:), and every breaking note with one says its effect', () => {
  const untraced = steps.notes.filter((n) => n.checks && !n.source).map((n) => n.id);
  assert.deepEqual(untraced, [], 'trace each setting to the code that reads it at that release (steps/README.md)');
  assert.ok(steps.notes.filter((n) => n.source).length >= 110);
  const refusing = steps.notes.filter((n) => n.effect === 'refuses-to-start');
  assert.ok(refusing.length >= 20 && refusing.every((n) => n.severity === 'breaking'));
});
