// Deadlines: a promise bounded in time (health probes, Redis calls) or awaited at most so long
// (shutdown drains).
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { settlesWithin, withTimeout } from './deadline';
