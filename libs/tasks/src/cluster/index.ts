// node:cluster: one service (api, worker) as N processes sharing its port (API_PROCESSES,
// WORKER_PROCESSES). Other areas, the apps, test/ and scripts/ import this area only through this file.
export { isFirstProcess, runCluster } from './cluster-runner';
export type { ClusterOptions } from './cluster-runner';
