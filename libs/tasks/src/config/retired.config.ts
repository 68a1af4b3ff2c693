/**
 * Settings of earlier versions that no longer do anything, with what to do instead. A deployment
 * that still sets one keeps working (nothing depends on it any more); each process names them in
 * one warning at boot (AppConfig.retiredSettings), so that the operator can remove them.
 */
export const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  EXPRESS_LANE: 'the express lane was removed; every unit goes to its own queue',
  FAIR_TAGS: 'the same as FAIR_SCHEDULING now that the express lane is gone: set that instead',
  WORKER_LANES: 'every worker consumes every queue (there is no express lane any more)',
  WORKER_NICE: 'workers are no longer reniced: start the process with `nice` if you want one',
  CPU_GATE_ORDER: "a worker's CPU gate admits steps first come, first served",
};

/** AppConfig's part for retired settings. */
export interface RetiredConfig {
  /** RETIRED_SETTINGS found in the environment (ignored), each with what to do instead. */
  retiredSettings: { name: string; instead: string }[];
}

/** Names the RETIRED_SETTINGS set (not empty) in the raw environment, which the schema ignores. */
export function retiredConfig(env: Record<string, string | undefined>): RetiredConfig {
  return {
    retiredSettings: Object.entries(RETIRED_SETTINGS)
      .filter(([name]) => env[name] !== undefined && env[name] !== '')
      .map(([name, instead]) => ({ name, instead })),
  };
}
