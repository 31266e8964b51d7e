import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { renderPlanScript, type Plan } from '../../src/core/plan-script.js';

const plan: Plan = {
  generatedBy: 'synapse-upgrade 0.0.0',
  generatedAt: '2026-11-26T00:00:00.000Z',
  serverName: 'example.org',
  method: 'pip',
  from: '1.46.0',
  to: '1.48.0',
  url: 'http://127.0.0.1:8008',
  python: '/srv/synapse env/bin/python',
  evidence: ['virtualenv from --venv: /srv/synapse env'],
  notes: [
    {
      id: 'v1-48-top-level-trust-identity-server-error',
      version: '1.48.0',
      title: "Top-level key is an error (it's removed)",
      severity: 'breaking',
      applies: 'yes',
      findings: [{ file: '/etc/hs.yaml', line: 12, message: 'trust_identity_server_for_password_resets is true' }],
      action: 'Remove the key.\nThen restart.',
    },
    { id: 'maybe', version: '1.47.0', title: 'Scripts may break', severity: 'action', applies: 'unknown', findings: [], action: '' },
  ],
  checks: ['ok: pip can install: Would install matrix-synapse-1.48.0'],
  commands: [
    {
      step: 'Back up the database',
      argv: ['pg_dump', '-Fc', '-f', '/var/backups/synapse.dump', 'synapse'],
      cwd: undefined,
      env: { PGPASSWORD: '***', PGHOST: 'db.local' },
    },
    { step: 'Install the new version', argv: ['/srv/synapse env/bin/pip', 'install', 'matrix-synapse[postgres]==1.48.0'], cwd: '/srv', env: {} },
  ],
};

test('the plan script carries notes, checks and exact commands, quoted for sh', () => {
  const script = renderPlanScript(plan);
  assert.match(script, /^#!\/bin\/sh\n# Upgrade plan for example\.org: Synapse 1\.46\.0 -> 1\.48\.0 \(pip install\)\./);
  assert.match(script, /# {2}\[breaking\] v1\.48\.0 Top-level key is an error \(it's removed\) \(v1-48-top-level-trust-identity-server-error\)/);
  assert.match(script, /# {4}evidence: \/etc\/hs\.yaml:12: trust_identity_server_for_password_resets is true/);
  assert.match(script, /# {4}what to do: Remove the key\.\n# {4}Then restart\./);
  assert.match(script, /# Notes that could not be checked here/);
  assert.match(script, /# {2}ok: pip can install/);
  assert.match(script, /\nset -eu\n/);
  assert.match(
    script,
    /: "\$\{PGPASSWORD:\?export PGPASSWORD before running this script\}"\nenv PGHOST=db\.local pg_dump -Fc -f \/var\/backups\/synapse\.dump synapse/,
  );
  assert.match(script, /\(cd \/srv && '\/srv\/synapse env\/bin\/pip' install 'matrix-synapse\[postgres\]==1\.48\.0'\)/);
  assert.doesNotMatch(script, /\*\*\*/);
});

test('the plan script is valid POSIX sh', () => {
  const check = spawnSync('sh', ['-n'], { input: renderPlanScript(plan) });
  assert.equal(check.status, 0, String(check.stderr));
});

test('a config fix is a reviewed file write: its diff as comments above the command that makes it', () => {
  const script = renderPlanScript({
    ...plan,
    commands: [
      ...plan.commands,
      {
        step: 'Apply the config fixes of the notes (reviewed file write)',
        argv: ['synapse-upgrade', 'notes', '--from', '1.46.0', '--to', '1.48.0', '--config', '/etc/hs.yaml', '--fix', '--yes'],
        cwd: undefined,
        env: {},
        review: [
          'The config fixes for v1-53-webclient-removed; review the diff:',
          '--- /etc/hs.yaml',
          '+++ /etc/hs.yaml (fixed)',
          '-      - names: [client, webclient]',
          '+      - names: [client]',
        ],
      },
    ],
  });
  const expected = [
    '# Step: Apply the config fixes of the notes (reviewed file write)',
    '# The config fixes for v1-53-webclient-removed; review the diff:',
    '# --- /etc/hs.yaml',
    '# +++ /etc/hs.yaml (fixed)',
    '# -      - names: [client, webclient]',
    '# +      - names: [client]',
    'synapse-upgrade notes --from 1.46.0 --to 1.48.0 --config /etc/hs.yaml --fix --yes',
    '',
  ];
  assert.ok(script.includes(expected.join('\n')), script);
  assert.equal(spawnSync('sh', ['-n'], { input: script }).status, 0, 'still valid sh');
});
