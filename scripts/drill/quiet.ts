/**
 * Imported first by the drill (before anything from src/): the Lambda code's Powertools logger
 * and metrics read their settings when they are constructed. In the drill the handlers run in
 * this process, where their JSON log lines and EMF metric blobs would bury the narration, so
 * both are off; `--verbose` turns the logger back on at run time (`logger.setLogLevel`).
 * Variables already set by the caller are left alone.
 * @packageDocumentation
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The SDK warns once per process about Node 20; not the drill's subject.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
