// Names of the OPC UA side that clients and docs need, kept apart from the server so that nothing
// here pulls in node-opcua's types.

export const OPCUA_NAMESPACE = 'urn:millwright:plant-simulator';
export const OPCUA_INSTALL_HINT = 'npm install node-opcua@~2.182 (in the Node-RED user directory, or next to the simulator) enables the OPC UA side';

/** The string node id of a tag: Plant.Line1.Spindle.Speed, or Plant.SpeedFactor for plant-wide tags. */
export function opcuaNodeId(def: { machine: string; signal: string }): string {
  return def.machine === 'Plant' ? `Plant.${def.signal}` : `Plant.Line1.${def.machine}.${def.signal}`;
}
