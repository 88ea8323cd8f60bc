// the parser lives in src/util/csv.ts so that the library can read user benchmark CSVs with it
export { parseCsv } from '../src/util/csv';
