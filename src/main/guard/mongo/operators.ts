/**
 * What the MongoDB guard lets through. Everything is an allowlist: a `$`-name not listed here
 * is refused (fail closed), so a new server release cannot widen what agents may do.
 * The deny list only gives the well-known dangerous names a precise reason.
 */

/** Names refused wherever they appear (as a key at any depth), with the reason an agent sees. */
export const DENIED: Record<string, string> = {
  $where: 'server-side JavaScript ($where) is not allowed',
  $function: 'server-side JavaScript ($function) is not allowed',
  $accumulator: 'server-side JavaScript ($accumulator) is not allowed',
  $code: 'JavaScript code values are not allowed',
  $scope: 'JavaScript code values are not allowed',
  $out: 'writing results to a collection ($out) is not allowed: agent queries are read-only',
  $merge: 'writing results to a collection ($merge) is not allowed: agent queries are read-only',
  $currentOp: '$currentOp reveals other sessions\u2019 operations and is not allowed',
  $listSessions: '$listSessions reveals other sessions and is not allowed',
  $listLocalSessions: '$listLocalSessions reveals other sessions and is not allowed',
  $collStats: '$collStats reveals server internals and is not allowed',
  $indexStats: '$indexStats reveals server internals and is not allowed',
  $planCacheStats: '$planCacheStats reveals other users\u2019 query shapes and is not allowed',
  $queryStats: '$queryStats reveals other users\u2019 query shapes and is not allowed',
  $listCatalog: '$listCatalog reveals every collection and is not allowed',
  $listClusterCatalog: '$listClusterCatalog reveals every collection and is not allowed',
  $listSearchIndexes: '$listSearchIndexes reveals server internals and is not allowed',
  $shardedDataDistribution: '$shardedDataDistribution reveals server internals and is not allowed',
  $changeStream: 'change streams are not allowed',
  $documents: '$documents is not allowed',
  $dbPointer: 'DBPointer values are not allowed',
  $symbol: 'symbol values are not allowed',
  $meta: '$meta (text/search scores) is not supported by Airlock',
  $text: '$text reads fields named only by the text index, so Airlock cannot account for them',
  $search: 'Atlas Search stages read fields named only by the index, so Airlock cannot account for them',
  $searchMeta: 'Atlas Search stages read fields named only by the index, so Airlock cannot account for them',
  $vectorSearch: 'Atlas Search stages read fields named only by the index, so Airlock cannot account for them',
  $jsonSchema: '$jsonSchema is not supported by Airlock\u2019s guard; use explicit field conditions',
  $redact: '$redact walks whole documents and is not supported; use $project or $match',
  $geoNear: 'geospatial stages are not supported by Airlock\u2019s guard',
  $near: 'geospatial operators are not supported by Airlock\u2019s guard',
  $nearSphere: 'geospatial operators are not supported by Airlock\u2019s guard',
  $geoWithin: 'geospatial operators are not supported by Airlock\u2019s guard',
  $geoIntersects: 'geospatial operators are not supported by Airlock\u2019s guard',
};

/** Pipeline stages. Each is analysed by name in pipeline.ts. */
export const STAGES = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$group', '$sort', '$limit', '$skip',
  '$sample', '$unwind', '$count', '$sortByCount', '$bucket', '$bucketAuto', '$lookup',
  '$graphLookup', '$unionWith', '$facet', '$replaceRoot', '$replaceWith',
]);

/** Query (filter) operators applied to a field. */
export const FIELD_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$mod',
  '$regex', '$options', '$all', '$size', '$elemMatch', '$not',
  '$bitsAllSet', '$bitsAllClear', '$bitsAnySet', '$bitsAnyClear',
]);

/** Top-level filter operators (besides field names). */
export const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

/**
 * Aggregation expression operators, accumulators included: whether an accumulator is valid
 * in a given place is the server's business; Airlock's is what the expression reads.
 */
export const EXPRESSION_OPERATORS = new Set([
  // arithmetic
  '$abs', '$add', '$ceil', '$divide', '$exp', '$floor', '$ln', '$log', '$log10', '$mod',
  '$multiply', '$pow', '$round', '$sqrt', '$subtract', '$trunc',
  // arrays
  '$arrayElemAt', '$arrayToObject', '$concatArrays', '$filter', '$first', '$last', '$in',
  '$indexOfArray', '$isArray', '$map', '$objectToArray', '$range', '$reduce', '$reverseArray',
  '$size', '$slice', '$sortArray', '$zip', '$firstN', '$lastN', '$maxN', '$minN',
  // boolean and comparison
  '$and', '$or', '$not', '$cmp', '$eq', '$gt', '$gte', '$lt', '$lte', '$ne',
  // conditional
  '$cond', '$ifNull', '$switch',
  // dates
  '$dateAdd', '$dateDiff', '$dateFromParts', '$dateFromString', '$dateSubtract', '$dateToParts',
  '$dateToString', '$dateTrunc', '$dayOfMonth', '$dayOfWeek', '$dayOfYear', '$hour',
  '$isoDayOfWeek', '$isoWeek', '$isoWeekYear', '$millisecond', '$minute', '$month', '$second',
  '$week', '$year',
  // literals, objects, variables
  '$literal', '$mergeObjects', '$getField', '$setField', '$unsetField', '$let',
  // sets
  '$allElementsTrue', '$anyElementTrue', '$setDifference', '$setEquals', '$setIntersection',
  '$setIsSubset', '$setUnion',
  // strings
  '$concat', '$indexOfBytes', '$indexOfCP', '$ltrim', '$regexFind', '$regexFindAll',
  '$regexMatch', '$replaceOne', '$replaceAll', '$rtrim', '$split', '$strLenBytes', '$strLenCP',
  '$strcasecmp', '$substr', '$substrBytes', '$substrCP', '$toLower', '$toUpper', '$trim',
  // types
  '$convert', '$isNumber', '$toBool', '$toDate', '$toDecimal', '$toDouble', '$toInt', '$toLong',
  '$toObjectId', '$toString', '$type', '$binarySize', '$bsonSize',
  // accumulators
  '$sum', '$avg', '$min', '$max', '$push', '$addToSet', '$count', '$stdDevPop', '$stdDevSamp',
  '$median', '$percentile', '$top', '$bottom', '$topN', '$bottomN',
]);

/** System variables an expression may use; `$$ROOT` and `$$CURRENT` are whole-document reads. */
export const HARMLESS_VARIABLES = new Set(['NOW', 'CLUSTER_TIME', 'REMOVE']);
export const DOCUMENT_VARIABLES = new Set(['ROOT', 'CURRENT']);

/** User variable names MongoDB accepts and that cannot shadow a system variable. */
export const USER_VARIABLE = /^[a-z][A-Za-z0-9_]*$/;

/** Extended JSON value wrappers an agent may send for typed values (ObjectId, dates, …). */
export const EJSON_WRAPPERS = new Set([
  '$oid', '$date', '$numberInt', '$numberLong', '$numberDouble', '$numberDecimal', '$binary',
  '$uuid', '$regularExpression', '$timestamp', '$minKey', '$maxKey', '$type',
]);
