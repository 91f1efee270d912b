// The plant simulator's public API.
export { PlantSimulator, systemClock, type SimulatorOptions, type SimulatorStatus, type WallClock } from './simulator';
export { Plant, MOTOR_RATINGS_KW, type PlantOptions, type FaultStatus } from './plant';
export { TAGS, TAG_BY_NAME, MACHINE_NAMES, FAULTS, FAULT_ACTIONS, MODES, tagName, type TagDef, type MachineName, type FaultKind } from './tags';
export { RegisterMap, WORD_ORDER, WAVEFORM, FAULT_COIL_BASE, faultCoil, encodeFloat32, decodeFloat32 } from './modbus-map';
export { OPCUA_NAMESPACE, OPCUA_INSTALL_HINT, opcuaNodeId } from './opcua-address';
export { BPFO_ORDER, WAVEFORM_SAMPLE_RATE, WAVEFORM_LENGTH } from './waveform';
