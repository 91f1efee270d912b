// Security mode 'auto': from the endpoints a server offers, pick the strongest this client speaks.
// Pure: the session code turns node-opcua's EndpointDescriptions into OfferedEndpoints.
import { SECURITY_POLICIES, type OpcuaAuth, type OpcuaSecurityMode, type OpcuaSecurityPolicy } from './opcua-options';

export interface OfferedEndpoint {
  /** 'None' | 'Sign' | 'SignAndEncrypt' (anything else is ignored). */
  mode: string;
  /** Security policy URI, e.g. http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256. */
  policyUri: string;
  /** User token types the endpoint accepts: 'Anonymous', 'UserName', 'Certificate', 'IssuedToken'. */
  tokenTypes: string[];
}

export interface SecurityChoice {
  mode: OpcuaSecurityMode;
  policy: OpcuaSecurityPolicy;
}

/** Strongest first; Basic256Sha256 leads because every current server and PLC supports it. */
const POLICY_PREFERENCE: readonly OpcuaSecurityPolicy[] = ['Basic256Sha256', 'Aes256_Sha256_RsaPss', 'Aes128_Sha256_RsaOaep'];
const MODE_RANK: Record<string, number> = { None: 0, Sign: 1, SignAndEncrypt: 2 };

const TOKEN_FOR_AUTH: Record<OpcuaAuth['type'], string> = { anonymous: 'Anonymous', username: 'UserName', certificate: 'Certificate' };

/** The policy name of a security policy URI (the text after '#'). */
export function policyName(uri: string): string {
  const hash = uri.lastIndexOf('#');
  return hash >= 0 ? uri.slice(hash + 1) : uri;
}

function rank(e: OfferedEndpoint): number {
  const mode = MODE_RANK[e.mode];
  if (mode === undefined) return -1;
  const policy = policyName(e.policyUri);
  if (mode === 0) return policy === 'None' || policy === '' ? 0 : -1;
  const p = POLICY_PREFERENCE.indexOf(policy as OpcuaSecurityPolicy);
  if (p < 0 || !SECURITY_POLICIES.includes(policy as OpcuaSecurityPolicy)) return -1;
  return mode * 10 + (POLICY_PREFERENCE.length - p);
}

/**
 * The strongest endpoint offered: SignAndEncrypt before Sign before None, Basic256Sha256 before the
 * Aes policies. Endpoints that accept the configured login are preferred; undefined when none is usable.
 */
export function chooseSecurity(offered: readonly OfferedEndpoint[], authType: OpcuaAuth['type']): SecurityChoice | undefined {
  const usable = offered.filter((e) => rank(e) >= 0);
  const token = TOKEN_FOR_AUTH[authType];
  const withLogin = usable.filter((e) => e.tokenTypes.includes(token));
  // A server that lists no matching token policy is still tried: its session error is clearer than ours.
  const pool = withLogin.length > 0 ? withLogin : usable;
  let best: OfferedEndpoint | undefined;
  for (const e of pool) if (!best || rank(e) > rank(best)) best = e;
  if (!best) return undefined;
  return best.mode === 'None' ? { mode: 'None', policy: 'None' } : { mode: best.mode as OpcuaSecurityMode, policy: policyName(best.policyUri) as OpcuaSecurityPolicy };
}

/** Strength of a choice on the scale chooseSecurity ranks by: higher is stronger. */
export function securityStrength(c: SecurityChoice): number {
  return rank({ mode: c.mode, policyUri: c.mode === 'None' ? 'None' : c.policy, tokenTypes: [] });
}

/**
 * For 'auto' on a reconnect: the choice made now, unless it is weaker than the strongest one this
 * connection already had. An endpoint list arrives over an unauthenticated channel, so a weaker list
 * may be spoofed; taking it would silently drop encryption. The earlier choice is kept when still offered.
 */
export function holdSecurity(now: SecurityChoice, strongest: SecurityChoice | undefined, offered: readonly OfferedEndpoint[]): SecurityChoice | { refused: string } {
  if (!strongest || securityStrength(now) >= securityStrength(strongest)) return now;
  const stillOffered = offered.some((e) => e.mode === strongest.mode && (strongest.mode === 'None' || policyName(e.policyUri) === strongest.policy));
  if (stillOffered) return strongest;
  const was = strongest.mode === 'None' ? 'None' : `${strongest.mode}/${strongest.policy}`;
  return { refused: `the server now offers only ${describeOffered(offered)}, was ${was}: refusing the weaker security (set the security mode explicitly to accept it)` };
}

/** "SignAndEncrypt/Basic256, None/None" for an error message. */
export function describeOffered(offered: readonly OfferedEndpoint[]): string {
  const seen = [...new Set(offered.map((e) => `${e.mode}/${policyName(e.policyUri) || 'None'}`))];
  return seen.length ? seen.join(', ') : 'no endpoints';
}
