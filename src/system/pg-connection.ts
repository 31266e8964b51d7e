import type { CommandSpec } from './command.js';

/**
 * libpq connection settings from homeserver.yaml's `database.args`, split so that nothing secret
 * is ever in argv: host/port/user/dbname become options, the password travels as PGPASSWORD
 * (masked everywhere a command is shown), a `passfile` as PGPASSFILE.
 */
export interface PgConnection {
  /** `-h H -p P -U U` (no database name: each tool takes it its own way). */
  argv: string[];
  dbname: string | undefined;
  env: Record<string, string>;
  secretEnv: string[];
  /** For messages: user@host:port/dbname, never the password. */
  where: string;
}

export function pgConnection(args: Record<string, unknown>): PgConnection {
  const text = (key: string): string | undefined => (args[key] === undefined || args[key] === null || args[key] === '' ? undefined : String(args[key]));
  const host = text('host');
  const port = text('port');
  const user = text('user');
  const dbname = text('dbname') ?? text('database');
  const argv: string[] = [];
  if (host) argv.push('-h', host);
  if (port) argv.push('-p', port);
  if (user) argv.push('-U', user);
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: '10' };
  const secretEnv: string[] = [];
  const password = text('password');
  if (password) {
    env.PGPASSWORD = password;
    secretEnv.push('PGPASSWORD');
  }
  const passfile = text('passfile');
  if (passfile) env.PGPASSFILE = passfile;
  const sslmode = text('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return { argv, dbname, env, secretEnv, where: `${user ? `${user}@` : ''}${host ?? 'localhost'}${port ? `:${port}` : ''}/${dbname ?? ''}` };
}

/** A CommandSpec for a libpq tool with these settings (`-w`: never prompt for a password). */
export function pgCommand(tool: string, conn: PgConnection, args: string[], title: string): CommandSpec {
  return { argv: [tool, ...conn.argv, '-w', ...args], env: conn.env, secretEnv: conn.secretEnv, title };
}
