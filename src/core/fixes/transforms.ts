/**
 * The named value rewrites a fix may use (`with: NAME`). Each takes the value found in the config and returns the
 * value to write, `delete` (the key goes), `keep` (nothing to do) or a refusal worded for the admin when the
 * rewrite would not be exact. Pure; steps/ validation rejects a name not listed here.
 */

export type TransformResult = { value: unknown } | { delete: true } | { keep: true } | { refuse: string };
export type Transform = (value: unknown) => TransformResult;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** room_prejoin_state's defaults from 1.34 on (synapse/config/api.py@v1.34.0, _DEFAULT_PREJOIN_STATE_TYPES). */
export const PREJOIN_DEFAULTS = ['m.room.join_rules', 'm.room.canonical_alias', 'm.room.avatar', 'm.room.encryption', 'm.room.name', 'm.room.create'];

function withoutPrejoinDefaults(value: unknown): TransformResult {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return { refuse: 'room_invite_state_types is not a list of event types' };
  const extra = [...new Set(value as string[])].filter((t) => !PREJOIN_DEFAULTS.includes(t));
  return extra.length ? { value: extra } : { delete: true };
}

/** A listener resource's `names` without webclient; a resource left with no name goes (see the transform below). */
function withoutWebclient(value: unknown): TransformResult {
  if (!Array.isArray(value)) return { keep: true };
  if (!value.includes('webclient')) return { keep: true };
  const rest = value.filter((n) => n !== 'webclient');
  return rest.length ? { value: rest } : { refuse: 'a listener resource serves only webclient; remove that resource (or its listener) by hand' };
}

/** The formatter each legacy drain type used (synapse/logging/_structured.py@v1.53.0, parse_drain_configs). */
const DRAIN_FORMATTER: Record<string, 'json' | 'tersejson' | undefined> = {
  console: undefined,
  console_json: 'json',
  console_json_terse: 'tersejson',
  file: undefined,
  file_json: 'json',
  network_json_terse: 'tersejson',
};
const FORMATTER_CLASS = { json: 'synapse.logging.JsonFormatter', tersejson: 'synapse.logging.TerseJsonFormatter' } as const;

/**
 * A legacy `structured: true` log config (deprecated in 1.23, refused from 1.54) as the standard logging dict config
 * Synapse itself built from it until 1.53 (setup_structured_logging): the same handlers, formatters, loggers and
 * every drain on the root logger. Anything that conversion rejected is refused here too.
 */
function structuredLogging(value: unknown): TransformResult {
  if (!isObject(value)) return { refuse: 'the log config is not a mapping' };
  if (!value.structured) return { keep: true };
  const drains = value.drains;
  if (!isObject(drains)) return { refuse: 'a structured log config needs a mapping of drains' };
  const other = Object.keys(value).filter((k) => !['structured', 'drains', 'loggers'].includes(k));
  if (other.length) return { refuse: `the log config also has ${other.join(', ')}, which structured logging ignored; rewrite it by hand` };
  const handlers: Record<string, unknown> = {};
  const used = new Set<'json' | 'tersejson'>();
  for (const [name, drain] of Object.entries(drains)) {
    if (!isObject(drain) || typeof drain.type !== 'string') return { refuse: `drain ${name} has no type` };
    const type = drain.type.toLowerCase();
    if (!(type in DRAIN_FORMATTER)) return { refuse: `drain ${name} has the unknown type ${drain.type}` };
    const formatter = DRAIN_FORMATTER[type];
    const handler: Record<string, unknown> = {};
    if (type.startsWith('console')) {
      if (drain.location !== 'stdout' && drain.location !== 'stderr') return { refuse: `drain ${name} needs location stdout or stderr` };
      Object.assign(handler, { class: 'logging.StreamHandler', stream: `ext://sys.${drain.location}` });
    } else if (type.startsWith('file')) {
      if (typeof drain.location !== 'string' || !drain.location.startsWith('/')) return { refuse: `drain ${name} needs an absolute file location` };
      Object.assign(handler, { class: 'logging.FileHandler', filename: drain.location });
    } else {
      Object.assign(handler, {
        class: 'synapse.logging.RemoteHandler',
        host: drain.host ?? null,
        port: drain.port ?? null,
        maximum_buffer: drain.maximum_buffer ?? 1000,
      });
    }
    if (formatter) {
      handler.formatter = formatter;
      used.add(formatter);
    }
    handlers[name] = handler;
  }
  const out: Record<string, unknown> = { version: 1 };
  if (used.size) out.formatters = Object.fromEntries([...used].map((f) => [f, { class: FORMATTER_CLASS[f] }]));
  out.handlers = handlers;
  out.loggers = value.loggers ?? { synapse: { level: 'INFO' } };
  out.root = { handlers: Object.keys(handlers) };
  return { value: out };
}

/**
 * experimental_features.msc3861 (MSC3861 delegation) as the stable matrix_authentication_service section (1.136).
 * Exact only when: enabled, the admin token given inline or as a file (it is MAS's matrix.secret), and Synapse
 * reaching MAS at the issuer (no separate introspection_endpoint). Otherwise refused with the reason.
 */
function msc3861ToMas(value: unknown): TransformResult {
  if (!isObject(value)) return { refuse: 'experimental_features.msc3861 is not a mapping' };
  if (value.enabled !== true) return { delete: true };
  if (value.issuer_metadata !== undefined)
    return { refuse: 'msc3861 gives issuer_metadata instead of discovering MAS at the issuer; set matrix_authentication_service.endpoint by hand' };
  if (value.introspection_endpoint !== undefined)
    return {
      refuse:
        'msc3861 names an introspection_endpoint, so the MAS endpoint Synapse should use is not known for sure; set matrix_authentication_service.endpoint by hand',
    };
  if (typeof value.issuer !== 'string' || !/^https?:\/\//.test(value.issuer)) return { refuse: 'msc3861.issuer is not an http(s) URL' };
  const secret = value.admin_token;
  const secretPath = value.admin_token_path;
  if ((typeof secret === 'string') === (typeof secretPath === 'string'))
    return { refuse: 'msc3861 needs exactly one of admin_token or admin_token_path to become matrix_authentication_service.secret' };
  const out: Record<string, unknown> = { enabled: true, endpoint: value.issuer };
  if (typeof secret === 'string') out.secret = secret;
  else out.secret_path = secretPath;
  return { value: out };
}

/** `experimental_features:` left empty (null) or false: 1.157.0 reads it as a mapping, so it becomes `{}`. */
function emptyMappingForNull(value: unknown): TransformResult {
  return value === null || value === false ? { value: {} } : { keep: true };
}

export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  'without-prejoin-defaults': withoutPrejoinDefaults,
  'without-webclient': withoutWebclient,
  'structured-logging-to-standard': structuredLogging,
  'msc3861-to-mas': msc3861ToMas,
  'empty-mapping-for-null': emptyMappingForNull,
};
