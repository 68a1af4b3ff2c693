// What both apps' HTTP sides share: the JSON error filter.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { JsonErrorFilter } from './json-error.filter';
