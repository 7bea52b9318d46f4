// Public face of conversions: the service (server + CLI), formats, errors, the catalog type.
// Converter modules themselves are imported only by the worker entry (worker.ts), never here,
// so importing this module never loads sharp, pdfjs or tesseract into the server.
export { ConvertService, type ConvertServiceOptions, type ConvertRequest, type JobRequest, type JobInput, type JobView, type FileView, type ProcessId, type CanConvert, type ServiceStats } from './service.js';
export { Spool, ByteBudget, type SpooledFile } from './spool.js';
export { FAMILY_SPAWN, type FamilySpawnOptions } from './spawn-options.js';
export { WarmPool, type JailSpawn, type WorkerMonitor, type PoolStats, KERNEL_LAYERS } from './pool.js';
export { ConvertError, CONVERT_ERRORS, type ConvertErrorCode } from './errors.js';
export { FORMATS, FORMAT_IDS, toFormatId, mediaTypeOf, extOf, type FormatId } from './formats.js';
export { supports, type ConverterInfo } from './catalog.js';
export { LIMITS } from './limits.js';
export { pluginRefusalEvents, inspectPluginDir } from './plugins.js';
export type { Converter, ConverterManifest, ConvertInput, ConvertOutput } from './types.js';
