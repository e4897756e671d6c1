/** The filter language of connections and the request subject that filters and transforms see. */
export { compileFilter, FILTER_LIMITS, type FilterLimits, type FilterPredicate } from './compile-filter.js';
export {
  defineOwn,
  formatQuery,
  parseBody,
  parseQuery,
  type QueryFields,
  type RawRequest,
  type RequestSubject,
  toRequestSubject,
} from './subject.js';
