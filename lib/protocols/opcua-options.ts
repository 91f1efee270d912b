// OPC UA endpoint settings as a user types them, checked once so a bad setting becomes a clear
// message naming the field, never a stack trace from deep inside node-opcua.

export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';
/** What the user chooses: a fixed mode, or 'auto' = the strongest mode the server offers. */
export type OpcuaSecuritySetting = OpcuaSecurityMode | 'auto';
export type OpcuaSecurityPolicy = 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';
export type OpcuaAuth =
  | { type: 'anonymous' }
  | { type: 'username'; userName: string; password: string }
  | { type: 'certificate'; certificateFile: string; privateKeyFile: string };

export const SECURITY_MODES: readonly OpcuaSecuritySetting[] = ['auto', 'None', 'Sign', 'SignAndEncrypt'];
export const SECURITY_POLICIES: readonly OpcuaSecurityPolicy[] = ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'];

export interface OpcuaEndpointOptions {
  endpointUrl: string;
  securityMode: OpcuaSecuritySetting;
  /** 'None' exactly when securityMode is 'None' or 'auto' (auto picks the policy with the mode). */
  securityPolicy: OpcuaSecurityPolicy;
  auth: OpcuaAuth;
  /** Folder holding the client certificate and the PKI (own/, trusted/, rejected/, issuers/). */
  pkiDir: string;
  applicationName?: string;
  /** Trust a server certificate seen for the first time (it is stored under trusted/). */
  acceptUnknownServerCertificate?: boolean;
}

export interface RawEndpointSettings {
  endpointUrl?: unknown;
  securityMode?: unknown;
  securityPolicy?: unknown;
  authType?: unknown;
  userName?: unknown;
  password?: unknown;
  certificateFile?: unknown;
  privateKeyFile?: unknown;
  pkiDir?: unknown;
  applicationName?: unknown;
  acceptUnknownServerCertificate?: unknown;
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v).trim());

/** Checks an opc.tcp URL: scheme, host and port, with the reason when it is wrong. */
export function checkEndpointUrl(raw: unknown): string {
  const url = text(raw);
  if (!url) throw new Error('Endpoint URL is empty: expected opc.tcp://host:port[/path]');
  const m = /^opc\.tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s]+)(?::(\d+))?(\/\S*)?$/.exec(url);
  if (!m) throw new Error(`Endpoint URL "${url}" is not valid: expected opc.tcp://host:port[/path]`);
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new Error(`Endpoint URL "${url}": port ${port} is out of range 1..65535`);
  }
  return url;
}

export function parseEndpointSettings(raw: RawEndpointSettings): OpcuaEndpointOptions {
  const endpointUrl = checkEndpointUrl(raw.endpointUrl);
  // Missing means auto (secure by default); a flow saved with 'None' keeps 'None'.
  const mode = (text(raw.securityMode) || 'auto') as OpcuaSecuritySetting;
  if (!SECURITY_MODES.includes(mode)) throw new Error(`Security mode "${mode}" is unknown: choose ${SECURITY_MODES.join(', ')}`);
  let policy: OpcuaSecurityPolicy = 'None';
  if (mode === 'Sign' || mode === 'SignAndEncrypt') {
    policy = (text(raw.securityPolicy) || 'Basic256Sha256') as OpcuaSecurityPolicy;
    if (!SECURITY_POLICIES.includes(policy)) throw new Error(`Security policy "${policy}" is unknown: choose ${SECURITY_POLICIES.join(', ')}`);
  }
  const authType = text(raw.authType) || 'anonymous';
  let auth: OpcuaAuth;
  if (authType === 'anonymous') auth = { type: 'anonymous' };
  else if (authType === 'username') {
    const userName = text(raw.userName);
    if (!userName) throw new Error('User name is empty: username authentication needs a user name');
    auth = { type: 'username', userName, password: typeof raw.password === 'string' ? raw.password : '' };
  } else if (authType === 'certificate') {
    const certificateFile = text(raw.certificateFile);
    const privateKeyFile = text(raw.privateKeyFile);
    if (!certificateFile || !privateKeyFile) throw new Error('X.509 user authentication needs a certificate file and a private key file');
    auth = { type: 'certificate', certificateFile, privateKeyFile };
  } else throw new Error(`Authentication "${authType}" is unknown: choose anonymous, username or certificate`);
  const pkiDir = text(raw.pkiDir);
  if (!pkiDir) throw new Error('PKI folder is not set');
  return {
    endpointUrl,
    securityMode: mode,
    securityPolicy: policy,
    auth,
    pkiDir,
    applicationName: text(raw.applicationName) || 'Millwright',
    acceptUnknownServerCertificate: raw.acceptUnknownServerCertificate === undefined ? true : raw.acceptUnknownServerCertificate === true || raw.acceptUnknownServerCertificate === 'true',
  };
}

/** True when messages travel in clear text (None or Sign only); for 'auto' only the chosen mode can tell. */
export function isUnencrypted(options: { securityMode: OpcuaSecurityMode }): boolean {
  return options.securityMode !== 'SignAndEncrypt';
}

/** Removes every secret from a text before it reaches a log, a status or an error. */
export function redact(message: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = message;
  for (const s of secrets) if (s && s.length > 0) out = out.split(s).join('***');
  return out;
}
