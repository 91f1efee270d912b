// The typed core of Millwright, usable without Node-RED.
export * from './contracts';
export * from './features/time-domain';
export * from './features/feature-window';
export * from './features/sliding-stats';
export * from './features/spectral';
export * from './features/bearing';
export * from './features/feature-set';
// Modbus: names carry the protocol so they never clash with other protocol exports.
export { parseTag as parseModbusTag, parseTagTable as parseModbusTagTable, parseAddressBase as parseModbusAddressBase, modiconReference, TagError as ModbusTagError, MODBUS_AREAS, MODBUS_TYPES } from './protocols/modbus-tags';
export type { ModbusArea, ModbusType, ModbusTag, ModbusTagInput, AddressBase as ModbusAddressBase } from './protocols/modbus-tags';
export { decodeRegisters as decodeModbusRegisters, decodeBits as decodeModbusBits, encodeRegisters as encodeModbusRegisters } from './protocols/modbus-codec';
export { planRequests as planModbusRequests, optimalRequestCount as optimalModbusRequestCount, MAX_REGISTERS_PER_READ, MAX_BITS_PER_READ } from './protocols/modbus-coalesce';
export type { ReadRequest as ModbusReadRequest, PlanOptions as ModbusPlanOptions } from './protocols/modbus-coalesce';
export { ModbusConnection, ModbusRequestError } from './protocols/modbus-client';
export type { ModbusConnectionOptions, StateChange as ModbusStateChange, ConnectionStats as ModbusConnectionStats } from './protocols/modbus-client';
export { ModbusPoller } from './protocols/modbus-poller';
export { applyWriteLimits, parseWriteLimits, WriteRejected } from './protocols/modbus-write-policy';
// Plant simulator: the class by name, everything else under one namespace so its names never clash.
export { PlantSimulator } from './simulator';
export type { SimulatorOptions, SimulatorStatus } from './simulator';
export * as simulator from './simulator';
// Alarms: the engine at top level, everything else under `alarms` so generic names never clash.
export { AlarmEngine, AlarmCommandError } from './alarms/engine';
export * as alarms from './alarms';
// Anomaly detection: the engine at top level, everything else under `anomaly` so generic names never clash.
export { AnomalyEngine } from './anomaly/engine';
export * as anomaly from './anomaly';
// Remaining useful life: the predictor engine at top level, everything else under `rul`; regime normalisation under `regimes`.
export { RulPredictor } from './rul/predictor';
export * as rul from './rul';
export * as regimes from './regimes';
// OPC UA: the endpoint, connection and subscriptions by name, names carrying the protocol.
export { OpcuaEndpoint, connectionStatus as opcuaConnectionStatus } from './protocols/opcua-endpoint';
export { OpcuaConnection, explainConnectError as explainOpcuaConnectError } from './protocols/opcua-session';
export type { ConnectionState as OpcuaConnectionState, ConnectionStateEvent as OpcuaConnectionStateEvent, OpcuaConnectionTuning } from './protocols/opcua-session';
export { OpcuaSubscriptions, checkSubscribeSpec as checkOpcuaSubscribeSpec } from './protocols/opcua-subscription';
export type { SubscribeSpec as OpcuaSubscribeSpec, MonitorItem as OpcuaMonitorItem, SubscriptionStatus as OpcuaSubscriptionStatus } from './protocols/opcua-subscription';
export { parseEndpointSettings as parseOpcuaEndpointSettings } from './protocols/opcua-options';
export type { OpcuaEndpointOptions, OpcuaAuth, OpcuaSecurityMode, OpcuaSecurityPolicy } from './protocols/opcua-options';
export { readSamples as readOpcuaSamples, writeValue as writeOpcuaValue } from './protocols/opcua-io';
export { browseChildren as browseOpcua } from './protocols/opcua-browse';
export { WriteGuard as OpcuaWriteGuard } from './protocols/opcua-write-guard';
export type { WriteLimit as OpcuaWriteLimit } from './protocols/opcua-write-guard';
// Energy: forecaster, planner and guard by name, everything else under `energy`.
export { LoadForecaster } from './energy/forecast';
export { DemandGuard } from './energy/guard';
export { startPlan as startEnergyPlan } from './energy/scheduler';
export * as energy from './energy';
