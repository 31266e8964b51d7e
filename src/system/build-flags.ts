/**
 * Constants set when the single file is built (scripts/bundle.mjs, esbuild's `define`); unset under tsc/tsx.
 * esbuild folds them, so code behind `IS_BUNDLE ? … : …` is left out of the bundle altogether.
 */
declare const __SYNAPSE_UPGRADE_BUNDLE__: boolean | undefined;

/** True in the single-file bundle: scripts/bundle.mjs defines `__SYNAPSE_UPGRADE_BUNDLE__` as `true`. */
export const IS_BUNDLE: boolean = typeof __SYNAPSE_UPGRADE_BUNDLE__ === 'boolean' && __SYNAPSE_UPGRADE_BUNDLE__;
