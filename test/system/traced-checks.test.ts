import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { placeStockConfig } from '../helpers/stock-notes.js';

// Checks fixed by tracing them to the Synapse code that reads the setting (the note's `source:`). Each case is
// the real 1.46.0 stock config (test/fixtures/stock-configs) with the change that turns the setting on, or
// a near miss that the code does not act on.
const STOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stock-configs', 'v1.46.0');
const steps = await loadReleaseData();

async function verdict(id: string, change: Record<string, unknown>): Promise<{ applies: string; why: string }> {
  const placed = await placeStockConfig(STOCK, '/tmp/gen/1.46.0');
  try {
    const values = { ...(parse(await readFile(placed.config, 'utf8')) as Record<string, unknown>), ...change };
    await writeFile(placed.config, stringify(values));
    const { facts } = await gatherNoteFacts({ configPaths: [placed.config], workerConfigPaths: [], installMethod: 'pip' }); // a pip install, one process
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
    id: 'v1-27-saml2-callback-uri',
    source: 'synapse/config/saml2_config.py@v1.27.0',
    on: [
      ['sp_config set', { saml2_config: SP }],
      ['config_path set', { saml2_config: { config_path: '/etc/sp.py' } }],
      ['enabled: "false" is a true string', { saml2_config: { ...SP, enabled: 'false' } }],
    ],
    off: [
      ['the generated skeleton', {}],
      ['enabled: false', { saml2_config: { ...SP, enabled: false } }],
      ['enabled: null', { saml2_config: { ...SP, enabled: null } }],
    ],
  },
  {
    id: 'v1-13-new-sso-templates',
    source: 'synapse/config/sso.py@v1.13.0',
    on: [['sso.template_dir set', { sso: { template_dir: '/etc/synapse/templates' } }]],
    off: [
      ['sso: null (generated)', {}],
      ['template_dir empty', { sso: { template_dir: '' } }],
      ['the attribute name is no key', { sso_redirect_confirm_template_dir: '/x' }],
    ],
  },
  {
    id: 'v1-4-trust-identity-server-needs-servers',
    source: 'synapse/config/emailconfig.py@v1.4.0',
    on: [['top-level true, no servers', { trust_identity_server_for_password_resets: true, trusted_third_party_id_servers: [] }]],
    off: [
      ['under email: the code reads only the top level', { email: { trust_identity_server_for_password_resets: true } }],
      ['the string "true" is not `is True`', { trust_identity_server_for_password_resets: 'true' }],
      ['a trusted server listed', { trust_identity_server_for_password_resets: true, trusted_third_party_id_servers: ['matrix.org'] }],
    ],
  },
  {
    id: 'v1-4-partial-email-block-refused',
    source: 'synapse/config/emailconfig.py@v1.4.0',
    on: [
      ['email with smtp_host only', { email: { smtp_host: 'localhost' } }],
      ['complete email, no public_baseurl', { email: { smtp_host: 'l', smtp_port: 25, notif_from: 'a@b' } }],
    ],
    off: [
      ['email: null (generated)', {}],
      ['complete with public_baseurl', { email: { smtp_host: 'l', smtp_port: 25, notif_from: 'a@b' }, public_baseurl: 'https://m.example/' }],
      ['a delegate', { email: { smtp_host: 'l' }, account_threepid_delegates: { email: 'https://id.example' } }],
    ],
  },
  {
    id: 'v1-0-partial-email-block-refused',
    source: 'synapse/config/emailconfig.py@v1.0.0',
    on: [['email with notif_from only', { email: { notif_from: 'a@b' } }]],
    off: [
      ['email: null (generated)', {}],
      ['trusting the identity server', { email: { notif_from: 'a@b', trust_identity_server_for_password_resets: true } }],
    ],
  },
  {
    id: 'v0-11-report-stats-required',
    source: 'synapse/config/_base.py@v0.11.0',
    on: [['report_stats missing', { report_stats: undefined }]],
    off: [['report_stats: false (generated)', {}]],
  },
  {
    id: 'v1-8-log-file-refused',
    source: 'synapse/config/logger.py@v1.8.0',
    on: [['log_file set', { log_file: '/var/log/synapse.log' }]],
    off: [['log_file empty', { log_file: null }]],
  },
  {
    id: 'v1-157-empty-experimental-features',
    source: 'synapse/config/server.py@v1.157.0',
    on: [
      ['null', { experimental_features: null }],
      ['false', { experimental_features: false }],
    ],
    off: [
      ['{}', { experimental_features: {} }],
      ['absent (generated)', {}],
    ],
  },
  {
    id: 'v1-120-msc3886-endpoint-removed',
    source: 'synapse/config/experimental.py@v1.119.0',
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

// More notes, each on the real 1.46.0 stock config: a change that turns the setting on as its source reads it,
// and the generated value (or a near miss) that leaves it off.
const MODULE = (module: string) => [{ module, config: {} }];
const more: { id: string; on: Record<string, unknown>; off: Record<string, unknown> }[] = [
  {
    id: 'v1-48-top-level-trust-identity-server-error',
    on: { trust_identity_server_for_password_resets: true },
    off: { trust_identity_server_for_password_resets: false },
  },
  { id: 'v1-53-webclient-removed', on: { web_client_location: '/srv/element' }, off: { web_client_location: 'https://app.element.io/' } },
  { id: 'v1-56-open-registration-refused', on: { enable_registration: true }, off: { enable_registration: true, registration_requires_token: true } },
  {
    id: 'v1-66-threepid-delegate-email-removed',
    on: { account_threepid_delegates: { email: null } },
    off: { account_threepid_delegates: { msisdn: 'https://id.example' } },
  },
  {
    id: 'v1-67-tcp-replication-removed',
    on: { listeners: [{ port: 9092, type: 'replication' }] },
    off: { listeners: [{ port: 9093, type: 'http', resources: [{ names: ['replication'] }] }] },
  },
  { id: 'v1-157-msc3861-removed', on: { experimental_features: { msc3861: { enabled: true } } }, off: { experimental_features: { msc3861: {} } } },
  { id: 'v1-55-mjolnir-1-3-2', on: { modules: MODULE('mjolnir.Module') }, off: { modules: MODULE('other.Module') } },
  {
    id: 'v1-140-s3-storage-provider-1-6',
    on: { media_storage_providers: [{ module: 's3_storage_provider.S3StorageProviderBackend' }] },
    off: { media_storage_providers: [{ module: 'file_system' }] },
  },
  { id: 'v1-22-third-party-event-rules-module-api', on: { third_party_event_rules: { module: 'rules.Rules' } }, off: { third_party_event_rules: null } },
  { id: 'v1-37-spam-checker-deprecated', on: { spam_checker: [{ module: 'x.Y' }] }, off: { spam_checker: [] } },
  { id: 'v1-53-cache-expiry-default', on: { caches: { expiry_time: '30m' } }, off: { caches: { per_cache_factors: null } } },
  { id: 'v1-54-synctl-cache-factor-deprecated', on: { synctl_cache_factor: 0.5 }, off: { synctl_cache_factor: null } },
  { id: 'v1-73-legacy-metrics-removed', on: { enable_legacy_metrics: true }, off: { enable_legacy_metrics: false } },
  {
    id: 'v1-90-appservice-legacy-auth-off',
    on: { app_service_config_files: ['/etc/bridge.yaml'] },
    off: { app_service_config_files: ['/etc/bridge.yaml'], use_appservice_legacy_authorization: true },
  },
  { id: 'v1-136-msc3861-deprecated', on: { experimental_features: { msc3861: { enabled: true } } }, off: { experimental_features: {} } },
  {
    id: 'v1-139-mas-appservice-inhibit-login',
    on: { app_service_config_files: ['/etc/b.yaml'], matrix_authentication_service: { enabled: true } },
    off: { app_service_config_files: ['/etc/b.yaml'] },
  },
  { id: 'v1-25-ip-range-blacklist', on: { federation_ip_range_blacklist: ['10.0.0.0/8'] }, off: { federation_ip_range_blacklist: null } },
  { id: 'v1-34-room-invite-state-types', on: { room_invite_state_types: ['m.room.name'] }, off: { room_invite_state_types: null } },
  { id: 'v0-99-replace-self-signed-certificates', on: { tls_certificate_path: '/etc/tls.crt' }, off: { tls_certificate_path: null } },
  { id: 'v1-126-room-publication-admins-only', on: { room_list_publication_rules: null }, off: { room_list_publication_rules: [{ action: 'allow' }] } },
  { id: 'v0-8-captcha-public-key', on: { enable_registration_captcha: true }, off: { enable_registration_captcha: false } },
  { id: 'v0-27-3-report-stats-psutil', on: { report_stats: true }, off: {} },
  { id: 'v0-34-riot-im-trusted-id-server', on: { trusted_third_party_id_servers: ['riot.im'] }, off: { trusted_third_party_id_servers: ['matrix.org'] } },
  { id: 'v1-0-password-reset-email-needs-smtp', on: {}, off: { email: { smtp_host: 'localhost' } } },
  { id: 'v1-0-password-reset-templates', on: { email: { template_dir: '/t' } }, off: { email: { template_dir: null } } },
  { id: 'v1-4-new-email-templates-required', on: { email: { template_dir: '/t' } }, off: { email: { template_dir: '' } } },
  { id: 'v1-4-threepid-verification-not-delegated', on: {}, off: { email: { smtp_host: 'localhost' } } },
  { id: 'v1-4-phone-verification-delegate', on: {}, off: { account_threepid_delegates: { msisdn: 'https://id.example' } } },
  { id: 'v1-7-public-rooms-private-by-default', on: {}, off: { allow_public_rooms_without_auth: false, allow_public_rooms_over_federation: false } },
  { id: 'v1-2-counter-metrics-renamed', on: { enable_metrics: true }, off: { enable_metrics: false } },
  { id: 'v1-21-password-reset-confirmation-template', on: { email: { template_dir: '/t' } }, off: {} },
  { id: 'v1-21-saml-error-template', on: { saml2_config: SP, sso: { template_dir: '/t' } }, off: { sso: { template_dir: '/t' } } },
  {
    id: 'v1-24-oidc-mapping-provider-normalise',
    on: { oidc_config: { user_mapping_provider: { module: 'my.Mapper' } } },
    off: { oidc_config: { user_mapping_provider: { module: 'synapse.handlers.oidc_handler.JinjaOidcMappingProvider' } } },
  },
  { id: 'v1-27-oidc-callback-uri', on: { oidc_providers: [{ idp_id: 'corp' }] }, off: { oidc_config: { enabled: false } } },
  { id: 'v1-27-template-autoescape', on: { sso: { template_dir: '/t' } }, off: {} },
  { id: 'v1-29-x-forwarded-proto', on: {}, off: { listeners: [{ port: 8008, type: 'http', x_forwarded: false, resources: [{ names: ['client'] }] }] } },
  { id: 'v1-32-prometheus-regression', on: { enable_metrics: true }, off: {} },
  { id: 'v1-32-appservice-login-type', on: { app_service_config_files: ['/etc/a.yaml'] }, off: { app_service_config_files: [] } },
  { id: 'v1-33-account-validity-templates', on: { account_validity: { template_dir: '/t' } }, off: { account_validity: { template_dir: null } } },
  { id: 'v1-39-third-party-rules-deprecated', on: { third_party_event_rules: { module: 'r.R' } }, off: {} },
  { id: 'v1-41-template-dir-deprecated', on: { email: { template_dir: '/t' } }, off: { templates: { custom_template_directory: '/t' } } },
  { id: 'v1-42-uia-fallback-template-error', on: { templates: { custom_template_directory: '/t' } }, off: {} },
  { id: 'v1-44-url-cache-not-mirrored', on: { media_storage_providers: [{ module: 'file_system' }] }, off: { media_storage_providers: [] } },
  { id: 'v1-45-storage-provider-config-sections', on: { media_storage_providers: [{ module: 'file_system' }] }, off: {} },
  { id: 'v1-50-webclient-breaks-client-api', on: { listeners: [{ port: 8008, type: 'http', resources: [{ names: ['client', 'webclient'] }] }] }, off: {} },
  { id: 'v1-51-webclient-deprecated', on: { web_client_location: '/srv/element' }, off: { web_client_location: 'https://app.element.io/' } },
  { id: 'v1-58-groups-off-by-default', on: {}, off: { experimental_features: { groups_enabled: true } } },
  { id: 'v1-59-device-names-over-federation', on: {}, off: { allow_device_name_lookup_over_federation: true } },
  {
    id: 'v1-64-threepid-delegate-email-deprecated',
    on: { account_threepid_delegates: { email: 'https://id.example' } },
    off: { account_threepid_delegates: { msisdn: 'https://id.example' } },
  },
  { id: 'v1-69-legacy-metrics-deprecated', on: { enable_metrics: true }, off: {} },
  { id: 'v1-71-legacy-metrics-off', on: { enable_metrics: true }, off: { enable_metrics: true, enable_legacy_metrics: true } },
  { id: 'v1-81-appservice-legacy-routes-deprecated', on: { app_service_config_files: ['/etc/a.yaml'] }, off: {} },
  { id: 'v1-85-appservice-register-user-deprecated', on: { app_service_config_files: ['/etc/a.yaml'] }, off: {} },
  { id: 'v1-89-appservice-register-user-removed', on: { app_service_config_files: ['/etc/a.yaml'] }, off: {} },
  { id: 'v1-120-authenticated-media-default', on: {}, off: { enable_authenticated_media: false } },
  { id: 'v1-136-federation-metric-labels', on: { enable_metrics: true }, off: {} },
  { id: 'v1-158-default-room-version-11', on: {}, off: { default_room_version: '10' } },
  { id: 'v1-162-default-room-version-12', on: {}, off: { default_room_version: '11' } },
  { id: 'v1-162-rc-profile-rate-limit', on: {}, off: { rc_profile: { per_second: 1, burst_count: 5 } } },
  {
    id: 'v1-161-livekit-service-url-deprecated',
    on: { matrix_rtc: { transports: [{ type: 'livekit', livekit_service_url: 'https://lk.example' }] } },
    off: { matrix_rtc: { transports: [{ type: 'livekit', livekit_service_url: 'https://lk.example', url: 'wss://sfu.example' }] } },
  },
  { id: 'v1-161-msc3202-device-id-param-removed', on: { app_service_config_files: ['/etc/a.yaml'] }, off: {} },
  { id: 'v1-163-url-preview-beautifulsoup', on: { url_preview_enabled: true }, off: { url_preview_enabled: false } },
  {
    id: 'v1-163-profile-limit-needs-auth',
    on: { limit_profile_requests_to_users_who_share_rooms: true },
    off: { limit_profile_requests_to_users_who_share_rooms: true, require_auth_for_profile_requests: true },
  },
];

for (const c of more) {
  test(`${c.id}: on and off as its source reads the setting, on the 1.46.0 stock config`, async () => {
    assert.ok(steps.notes.find((n) => n.id === c.id)?.source, `${c.id} is traced`);
    assert.equal((await verdict(c.id, c.on)).applies, 'yes', `${c.id} on ${JSON.stringify(c.on)}`);
    const off = await verdict(c.id, c.off);
    assert.equal(off.applies, 'no', `${c.id} off ${JSON.stringify(c.off)}: ${off.why}`);
  });
}
