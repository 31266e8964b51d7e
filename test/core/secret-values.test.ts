import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseYamlText } from '../../src/config/yaml-file.js';
import { evaluateCheck } from '../../src/core/notes/evaluate-check.js';
import type { Check } from '../../src/core/notes/types.js';
import { isSecretKey, maskUrlCredentials, redactSecrets } from '../../src/core/secret-values.js';
import { yamlSource } from '../../src/system/note-facts.js';
import { pathsToCheck, secretConfig } from '../helpers/synapse-secrets.js';

test('secret-like keys, in any spelling; the file and duration options next to them are not', () => {
  for (const key of [
    'client_secret',
    'smtp_pass',
    'bind_password',
    'macaroon_secret_key',
    'as_token',
    'hs_token',
    'secret_access_key',
    'jwk',
    'dsn',
    'pepper',
    'recaptcha_private_key',
    'clientSecret',
    'API-KEY',
    'password',
  ]) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (const key of [
    'form_secret_path',
    'tls_private_key_path',
    'signing_key_path',
    'jwks_uri',
    'token_endpoint',
    'refresh_token_lifetime',
    'server_name',
    'passthrough_authorization_parameters',
    'enabled',
    'keyword',
    'monkey',
  ]) {
    assert.equal(isSecretKey(key), false, key);
  }
});

test('redaction at any depth: under a secret key everything, elsewhere only secret keys; URL passwords; input untouched', () => {
  const value = { a: 1, nested: [{ client_secret: 's1', ok: 'fine', jwk: { kty: 'EC', d: 'private-part' } }], url: 'redis://user:pw@host/0' };
  assert.deepEqual(redactSecrets(value), {
    a: 1,
    nested: [{ client_secret: '***', ok: 'fine', jwk: { kty: '***', d: '***' } }],
    url: 'redis://user:***@host/0',
  });
  assert.equal(value.nested[0]!.client_secret, 's1');
  assert.deepEqual(redactSecrets(['x', 'y'], 'tokens'), ['***', '***']);
  assert.equal(redactSecrets(null, 'password'), null);
  assert.equal(maskUrlCredentials('see https://abc123@sentry.io/1 and postgres://u:p@db/x'), 'see https://***@sentry.io/1 and postgres://u:***@db/x');
});

test("note evidence never shows a secret option of Synapse's config manual, whatever check matches it or its parents", () => {
  const { config, options } = secretConfig('/var/lib/synapse/homeserver.db');
  const source = yamlSource(parseYamlText('/etc/matrix-synapse/homeserver.yaml', stringify(config)));
  const shown: string[] = [];
  const tests: Extract<Check, { kind: 'key' }>['test'][] = [{ op: 'present' }, { op: 'truthy' }, { op: 'matches', value: '.' }];
  for (const path of pathsToCheck(options).flatMap((p) => [p, p.replace(/\.\*\./g, '.0.')])) {
    for (const t of tests) {
      const outcome = evaluateCheck({ kind: 'key', scope: 'config', key: path, test: t }, { config: source });
      shown.push(...outcome.findings.map((f) => f.message));
    }
  }
  for (const { path } of options) {
    const start = new RegExp(`^${path.replace(/\./g, '\\.').replace(/\*/g, '[^.]+')} is `);
    assert.ok(
      shown.some((line) => start.test(line)),
      `a check matched ${path}`,
    );
  }
  const all = shown.join('\n');
  for (const { path, marker } of options) assert.ok(!all.includes(marker), `${path} shown: ${shown.find((l) => l.includes(marker))}`);
  assert.match(all, /client_secret is "\*\*\*"/);
  // A query row: secret columns masked too.
  const rows = [{ token: 'syt_abcdef', user_id: '@a:b' }];
  const q = evaluateCheck({ kind: 'query', id: 'q', test: { op: 'rows_above', value: 0 } }, { queries: { q: { rows } } });
  assert.match(q.findings[0]!.message, /"token":"\*\*\*","user_id":"@a:b"/);
});

test('a boolean under a secret-like key is shown: true/false reveals no secret', () => {
  assert.equal(redactSecrets(true, 'trust_identity_server_for_password_resets'), true);
  assert.deepEqual(redactSecrets({ smtp_pass: 'hunter2', require_password: false }), { smtp_pass: '***', require_password: false });
});
