/**
 * A flow map the tool changes (`m: {a: 1, b: 2}` -> `m:\n  a: 1\n`) has no lines of its own to
 * splice, so mergeYaml drops its planned splices and edits the user's file straight to the merged
 * value, pair by pair (patchToValue / patchMap / patchList). Put FLOW in the user's and the last
 * generated file and FLOW_NOW in the new one: `m` written anew in the output shows the fallback ran.
 */
export const FLOW = 'm: {a: 1, b: 2}\n';
export const FLOW_NOW = 'm:\n  a: 1\n';
