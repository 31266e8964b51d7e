import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { mergeConfigFiles } from '../../../src/config/homeserver-config.js';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { planFixes } from '../../../src/core/fixes/plan-fixes.js';
import type { FixFile } from '../../../src/core/fixes/types.js';
import { evaluateNote } from '../../../src/core/notes/evaluate.js';
import type { Note, NoteFacts } from '../../../src/core/notes/types.js';
import { configSource, yamlSource } from '../../../src/system/note-facts.js';
import { loadReleaseData } from '../../../src/system/release-data.js';

// Each fix declared in steps/ on a config that has the problem: the text after the fix (comments and untouched
// lines byte for byte), the note no longer applying, and a second run changing nothing.

const steps = await loadReleaseData();
const note = (id: string): Note => {
  const found = steps.notes.find((n) => n.id === id);
  assert.ok(found, `note ${id} is in steps/`);
  assert.ok(found.fixes?.length, `note ${id} declares fixes`);
  return found;
};

function factsOf(files: FixFile[]): NoteFacts {
  const parsed = (scope: FixFile['scope']) => files.filter((f) => f.scope === scope).map((f) => parseYamlText(f.path, f.text));
  return {
    config: configSource(mergeConfigFiles(['homeserver.yaml'], parsed('config'))),
    logConfig: { sources: parsed('log_config').map(yamlSource), unreadable: [] },
    workerConfigs: { sources: parsed('worker').map(yamlSource), unreadable: [] },
    appServices: { sources: [], unreadable: [] },
    hasWorkers: files.some((f) => f.scope === 'worker'),
  };
}

/** Runs the note's fix; checks it applied before, not after, and that a second run is a no-op. Returns the new texts. */
function fix(id: string, files: FixFile[]): Map<string, string> {
  const n = note(id);
  assert.equal(evaluateNote(n, factsOf(files)).value, 'yes', `${id} applies before the fix`);
  const plan = planFixes([n], files);
  assert.deepEqual(plan.refused, [], `${id} is not refused`);
  assert.ok(plan.files.length > 0, `${id} changes a file`);
  const after = files.map((f) => ({ ...f, text: plan.files.find((p) => p.path === f.path)?.after ?? f.text }));
  assert.notEqual(evaluateNote(n, factsOf(after)).value, 'yes', `${id} no longer applies after the fix`);
  const again = planFixes([n], after);
  assert.deepEqual(again.files, [], `${id}: a second run changes nothing`);
  assert.deepEqual(again.refused, []);
  return new Map(after.map((f) => [f.path, f.text]));
}

const hs = (text: string): FixFile => ({ path: 'homeserver.yaml', scope: 'config', text });

test('1.25: federation_ip_range_blacklist renamed in place; merged into an existing ip_range_blacklist without duplicates', () => {
  const renamed = fix('v1-25-ip-range-blacklist', [
    hs(`server_name: "example.org"\n\n# my own list\nfederation_ip_range_blacklist:   # kept\n  - '10.0.0.0/8'\n  - "192.168.0.0/16"\n\npid_file: /x.pid\n`),
  ]);
  assert.equal(
    renamed.get('homeserver.yaml'),
    `server_name: "example.org"\n\n# my own list\nip_range_blacklist:   # kept\n  - '10.0.0.0/8'\n  - "192.168.0.0/16"\n\npid_file: /x.pid\n`,
  );
  const merged = fix('v1-25-ip-range-blacklist', [
    hs(`ip_range_blacklist:\n  - '10.0.0.0/8'  # office\n  - '127.0.0.0/8'\nfederation_ip_range_blacklist: ['10.0.0.0/8', '172.16.0.0/12']\n# end\n`),
  ]);
  assert.equal(merged.get('homeserver.yaml'), `ip_range_blacklist:\n  - '10.0.0.0/8'  # office\n  - '127.0.0.0/8'\n  - 172.16.0.0/12\n# end\n`);
});

test('1.34: room_invite_state_types moved to room_prejoin_state.additional_event_types without the new defaults', () => {
  const out = fix('v1-34-room-invite-state-types', [
    hs(`# header\nroom_invite_state_types:\n  - m.room.join_rules\n  - m.room.name\n  - m.room.topic   # ours\nmax_upload_size: "50M"\n`),
  ]);
  assert.equal(out.get('homeserver.yaml'), `# header\nmax_upload_size: "50M"\nroom_prejoin_state:\n  additional_event_types:\n    - m.room.topic\n`);
  const defaultsOnly = fix('v1-34-room-invite-state-types', [
    hs(`a: 1 # one\nroom_invite_state_types: [m.room.join_rules, m.room.canonical_alias, m.room.avatar, m.room.encryption, m.room.name]\nb: 2\n`),
  ]);
  assert.equal(defaultsOnly.get('homeserver.yaml'), 'a: 1 # one\nb: 2\n');
});

test('1.41: agreeing template_dir settings become templates.custom_template_directory; disagreeing ones are refused with the reason', () => {
  const out = fix('v1-41-template-dir-deprecated', [
    hs(`email:\n  smtp_host: mail   # relay\n  template_dir: /etc/synapse/templates\nsso:\n  template_dir: /etc/synapse/templates\n`),
  ]);
  assert.equal(out.get('homeserver.yaml'), `email:\n  smtp_host: mail   # relay\nsso: {}\ntemplates:\n  custom_template_directory: /etc/synapse/templates\n`);
  const plan = planFixes([note('v1-41-template-dir-deprecated')], [hs(`email:\n  template_dir: /a\nsso:\n  template_dir: /b\n`)]);
  assert.deepEqual(plan.files, []);
  assert.match(plan.refused[0]?.reason ?? '', /do not agree.*email\.template_dir = "\/a".*sso\.template_dir = "\/b"/);
});

test('1.53: webclient leaves listener resources; a web_client_location that is not a URL goes; an http(s) one stays', () => {
  const text = `listeners:\n  # the main one\n  - port: 8008\n    tls: false\n    resources:\n      - names: [client, webclient]\n        compress: true\n      - names: [federation]\nweb_client_location: /usr/share/riot\n`;
  assert.equal(
    fix('v1-53-webclient-removed', [hs(text)]).get('homeserver.yaml'),
    `listeners:\n  # the main one\n  - port: 8008\n    tls: false\n    resources:\n      - names: [client]\n        compress: true\n      - names: [federation]\n`,
  );
  const url = `listeners:\n  - port: 8008\n    resources:\n      - names:\n          - client\n          - webclient\nweb_client_location: https://app.element.io/\n`;
  const out = fix('v1-53-webclient-removed', [hs(url)]).get('homeserver.yaml') ?? '';
  assert.deepEqual(parse(out), { listeners: [{ port: 8008, resources: [{ names: ['client'] }] }], web_client_location: 'https://app.element.io/' });
  const only = planFixes([note('v1-53-webclient-removed')], [hs(`listeners:\n  - port: 8009\n    resources:\n      - names: [webclient]\n`)]);
  assert.match(only.refused[0]?.reason ?? '', /serves only webclient/);
});

test('1.84 and 1.88: worker_replication_* from the worker configs become instance_map.main in the shared config', () => {
  for (const id of ['v1-84-worker-replication-keys-deprecated', 'v1-88-worker-replication-keys-removed']) {
    const worker = (name: string): FixFile => ({
      path: `workers/${name}.yaml`,
      scope: 'worker',
      text: `worker_app: synapse.app.generic_worker\nworker_name: ${name}\n# replication\nworker_replication_host: 127.0.0.1\nworker_replication_http_port: 9093\n\nworker_listeners:\n  - type: http\n    port: 8083\n`,
    });
    const out = fix(id, [
      hs(`server_name: example.org\ninstance_map:\n  # the workers\n  w1:\n    host: localhost\n    port: 8034\n`),
      worker('w1'),
      worker('w2'),
    ]);
    assert.equal(
      out.get('homeserver.yaml'),
      `server_name: example.org\ninstance_map:\n  # the workers\n  w1:\n    host: localhost\n    port: 8034\n  main:\n    host: 127.0.0.1\n    port: 9093\n`,
    );
    assert.equal(
      out.get('workers/w1.yaml'),
      `worker_app: synapse.app.generic_worker\nworker_name: w1\n# replication\n\nworker_listeners:\n  - type: http\n    port: 8083\n`,
    );
  }
  const differ = planFixes(
    [note('v1-88-worker-replication-keys-removed')],
    [
      hs('server_name: x\n'),
      { path: 'w1.yaml', scope: 'worker', text: 'worker_replication_host: a\nworker_replication_http_port: 1\n' },
      { path: 'w2.yaml', scope: 'worker', text: 'worker_replication_host: b\nworker_replication_http_port: 1\n' },
    ],
  );
  assert.deepEqual(differ.files, [], 'all or nothing: the agreeing port is not moved either');
  assert.match(differ.refused[0]?.reason ?? '', /do not agree/);
});

test('1.23 and 1.54: a structured: true log config becomes the dict config Synapse built from it', () => {
  for (const id of ['v1-23-structured-logging-deprecated', 'v1-54-structured-logging-removed']) {
    const log: FixFile = {
      path: 'log.yaml',
      scope: 'log_config',
      text: `# logging for example.org\nstructured: true\nloggers:\n  synapse:\n    level: INFO\ndrains:\n  console:\n    type: console\n    location: stdout\n  file:\n    type: file_json\n    location: /var/log/synapse/homeserver.log\n`,
    };
    const out = fix(id, [hs('log_config: log.yaml\n'), log]).get('log.yaml') ?? '';
    assert.ok(out.startsWith('# logging for example.org\nversion: 1\n'));
    assert.deepEqual(parse(out), {
      version: 1,
      formatters: { json: { class: 'synapse.logging.JsonFormatter' } },
      handlers: {
        console: { class: 'logging.StreamHandler', stream: 'ext://sys.stdout' },
        file: { class: 'logging.FileHandler', filename: '/var/log/synapse/homeserver.log', formatter: 'json' },
      },
      loggers: { synapse: { level: 'INFO' } },
      root: { handlers: ['console', 'file'] },
    });
  }
});

test('1.54: synctl_cache_factor moved to caches.global_factor', () => {
  const out = fix('v1-54-synctl-cache-factor-deprecated', [hs(`synctl_cache_factor: 2.0\ncaches:\n  # big\n  cache_entry_ttl: 30m\n`)]);
  assert.equal(out.get('homeserver.yaml'), `caches:\n  # big\n  cache_entry_ttl: 30m\n  global_factor: 2\n`);
});

test('1.136 and 1.157: experimental_features.msc3861 becomes matrix_authentication_service; the secret moves unchanged and is never shown', () => {
  for (const id of ['v1-136-msc3861-deprecated', 'v1-157-msc3861-removed']) {
    const text = `experimental_features:\n  msc3861:\n    enabled: true\n    issuer: http://localhost:8080/\n    client_id: 0000000000000000000SYNAPSE\n    client_auth_method: client_secret_basic\n    client_secret: "hunter2-client"\n    admin_token: "s3cret-admin-token"\n  msc3266_enabled: true\n`;
    const out = fix(id, [hs(text)]).get('homeserver.yaml') ?? '';
    assert.deepEqual(parse(out), {
      experimental_features: { msc3266_enabled: true },
      matrix_authentication_service: { enabled: true, endpoint: 'http://localhost:8080/', secret: 's3cret-admin-token' },
    });
    const plan = planFixes([note(id)], [hs(text)]);
    assert.ok(!JSON.stringify(plan.changes).includes('s3cret-admin-token'), 'the change records mask the secret');
  }
  const inexact = planFixes(
    [note('v1-157-msc3861-removed')],
    [
      hs(
        `experimental_features:\n  msc3861:\n    enabled: true\n    issuer: https://auth.example.org/\n    introspection_endpoint: http://mas:8080/oauth2/introspect\n    admin_token: x\n`,
      ),
    ],
  );
  assert.match(inexact.refused[0]?.reason ?? '', /introspection_endpoint/);
});

test('1.50 and 1.51: webclient leaves the listener resources (1.51 also drops a non-URL web_client_location)', () => {
  const text = `listeners:\n  - port: 8008\n    resources:\n      - names: [client, webclient]\nweb_client_location: webclient/  # static files\n`;
  assert.equal(
    fix('v1-50-webclient-breaks-client-api', [hs(text)]).get('homeserver.yaml'),
    `listeners:\n  - port: 8008\n    resources:\n      - names: [client]\nweb_client_location: webclient/  # static files\n`,
  );
  assert.equal(fix('v1-51-webclient-deprecated', [hs(text)]).get('homeserver.yaml'), `listeners:\n  - port: 8008\n    resources:\n      - names: [client]\n`);
});

test('1.53: caches.expiry_time becomes caches.cache_entry_ttl (expire_caches is on by default from 1.53)', () => {
  const out = fix('v1-53-cache-expiry-default', [hs(`caches:\n  global_factor: 1.0  # default\n  expiry_time: 5m\nother: true\n`)]);
  assert.equal(out.get('homeserver.yaml'), `caches:\n  global_factor: 1.0  # default\n  cache_entry_ttl: 5m\nother: true\n`);
});

test('1.73 and 1.120: options Synapse no longer reads are deleted', () => {
  assert.equal(
    fix('v1-73-legacy-metrics-removed', [hs(`enable_metrics: true\nenable_legacy_metrics: true\n# after\n`)]).get('homeserver.yaml'),
    `enable_metrics: true\n# after\n`,
  );
  assert.equal(
    fix('v1-120-msc3886-endpoint-removed', [
      hs(`experimental_features:\n  msc3886_endpoint: /_matrix/client/unstable/org.matrix.msc3886/rendezvous\n  msc3266_enabled: true\n`),
    ]).get('homeserver.yaml'),
    `experimental_features:\n  msc3266_enabled: true\n`,
  );
});

test('1.157.0: an empty experimental_features becomes {}', () => {
  assert.equal(
    fix('v1-157-empty-experimental-features', [hs(`a: 1\nexperimental_features:   # none\nb: 2\n`)]).get('homeserver.yaml'),
    `a: 1\nexperimental_features: {}   # none\nb: 2\n`,
  );
  assert.equal(fix('v1-157-empty-experimental-features', [hs(`experimental_features: false\n`)]).get('homeserver.yaml'), `experimental_features: {}\n`);
});
