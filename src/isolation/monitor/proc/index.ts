// Public face of the /proc readers: socket tables, process facts, namespace counters, scanner.
export { INET_TABLES, decodeEndpoint, parseInetTable, parseInodeColumn, INODE_COLUMN, type InetSocket, type InetTable, type Endpoint, type SocketProtocol } from './net-table.js';
export { parseStat, readStat, startTimeOf, isSameProcess, netnsOf, socketInodes, processTree, ancestors, type ProcStat } from './process.js';
export { ATTEMPT_COUNTERS, parseSnmp, parseSnmp6, readNetnsCounters, attemptDelta, type SnmpCounters } from './snmp.js';
export { classifyInet, isLoopback, type ScanRules, type SocketVerdict } from './classify.js';
export { ProcScanner, type ScanResult, type ScannerOptions, type SocketFinding } from './scanner.js';
