// Every option of Synapse's configuration manual that holds a secret, at the place it sits in homeserver.yaml.
// Listed from docs/usage/configuration/config_documentation.md of element-hq/synapse (commit a58ad44eb0): each
// top-level option and sub-option whose value is a password, shared secret, private key, token or DSN (the `*_path`
// options next to them name files, not secrets). Plus the S3 storage provider's keys (synapse-s3-storage-provider,
// a module configured under media_storage_providers) and an LDAP bind password (password_providers), both named in
// issue 14, and the tokens of an app service registration file. Each value is a unique marker: a test fails when a
// marker is shown anywhere.

export interface SecretOption {
  /** The dotted path in homeserver.yaml (`*` = a list item). */
  path: string;
  marker: string;
}

let n = 0;
const marker = (): string => `SeCrEt${String(++n).padStart(2, '0')}x${Math.random().toString(36).slice(2, 8)}`;

/** Builds the config sections and the list of (path, marker) they hold. */
export function secretConfig(sqlitePath: string): { config: Record<string, unknown>; options: SecretOption[] } {
  const options: SecretOption[] = [];
  const m = (path: string): string => {
    const value = marker();
    options.push({ path, marker: value });
    return value;
  };
  const config: Record<string, unknown> = {
    database: { name: 'sqlite3', args: { database: sqlitePath, password: m('database.args.password') } },
    manhole_settings: { username: 'manhole', password: m('manhole_settings.password') },
    matrix_authentication_service: { enabled: false, endpoint: 'http://localhost:8080/', secret: m('matrix_authentication_service.secret') },
    email: { smtp_host: 'mail.example.test', smtp_user: 'synapse', smtp_pass: m('email.smtp_pass'), notif_from: 'Synapse <noreply@example.test>' },
    recaptcha_private_key: m('recaptcha_private_key'),
    recaptcha_public_key: m('recaptcha_public_key'),
    turn_shared_secret: m('turn_shared_secret'),
    turn_password: m('turn_password'),
    registration_shared_secret: m('registration_shared_secret'),
    macaroon_secret_key: m('macaroon_secret_key'),
    form_secret: m('form_secret'),
    old_signing_keys: { 'ed25519:id': { key: m('old_signing_keys.*.key'), expired_ts: 123456789123 } },
    sentry: { environment: 'test', dsn: `https://${m('sentry.dsn')}@sentry.example.test/1` },
    oidc_providers: [
      {
        idp_id: 'example',
        idp_name: 'Example',
        issuer: 'https://accounts.example.test/',
        client_id: 'synapse',
        client_secret: m('oidc_providers.*.client_secret'),
        client_secret_jwt_key: { key: m('oidc_providers.*.client_secret_jwt_key.key'), jwt_header: { alg: 'ES256', kid: 'ABC' } },
      },
    ],
    jwt_config: { enabled: false, secret: m('jwt_config.secret'), algorithm: 'HS256' },
    password_config: { enabled: true, pepper: m('password_config.pepper') },
    worker_replication_secret: m('worker_replication_secret'),
    redis: { enabled: false, host: 'localhost', password: m('redis.password') },
    media_storage_providers: [
      {
        module: 's3_storage_provider.S3StorageProviderBackend',
        store_local: true,
        config: {
          bucket: 'media',
          access_key_id: m('media_storage_providers.*.config.access_key_id'),
          secret_access_key: m('media_storage_providers.*.config.secret_access_key'),
        },
      },
    ],
    password_providers: [
      {
        module: 'ldap_auth_provider.LdapAuthProvider',
        config: { enabled: true, uri: 'ldap://ldap.example.test:389', bind_dn: 'cn=synapse', bind_password: m('password_providers.*.config.bind_password') },
      },
    ],
  };
  return { config, options };
}

/** Every dotted path a note check may name for these options: each option and each of its parents. */
export function pathsToCheck(options: readonly SecretOption[]): string[] {
  const paths = new Set<string>();
  for (const { path } of options) {
    const parts = path.split('.');
    for (let i = 1; i <= parts.length; i++) if (parts[i - 1] !== '*') paths.add(parts.slice(0, i).join('.'));
  }
  return [...paths];
}
