// Endpoints: parsing the --src/--dst selectors and writing `ip:port` / `[v6]:port`.

import { FollowTcpError } from './errors.js';

/** A selector from --src/--dst: address and/or port; an absent part matches anything. */
export interface EndpointSelector {
  address: string | undefined;
  port: number | undefined;
  text: string;
}

// Canonical text of an IP address so that `fd00:0::1` and `fd00::1` compare equal.
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function isAddress(text: string): boolean {
  if (IPV4.test(text)) return text.split('.').every((part) => Number(part) <= 255);
  if (!text.includes(':')) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

function parsePort(text: string, whole: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw badEndpoint(whole);
  return port;
}

function badEndpoint(text: string): FollowTcpError {
  return new FollowTcpError(
    'USAGE',
    `bad endpoint "${text}": write ip, ip:port, [ipv6]:port or :port (e.g. 10.0.0.1:80, [fd00::1]:443, :80)`,
  );
}

// Parse an endpoint selector: `ip`, `ip:port`, `[ipv6]:port`, `[ipv6]`, bare ipv6, or `:port`.
export function parseEndpoint(text: string): EndpointSelector {
  const trimmed = text.trim();
  let address: string | undefined;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
  if (bracketed) {
    address = bracketed[1];
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], text);
  } else if (trimmed.startsWith(':') && !trimmed.startsWith('::')) {
    port = parsePort(trimmed.slice(1), text);
  } else if ((trimmed.match(/:/g) ?? []).length === 1) {
    const [host, portText] = trimmed.split(':') as [string, string];
    address = host;
    port = parsePort(portText, text);
  } else {
    address = trimmed;
  }
  if (address !== undefined && !isAddress(address)) throw badEndpoint(text);
  return { address: address === undefined ? undefined : canonicalAddress(address), port, text };
}

// True when an endpoint (address, port) is what the selector asks for.
export function endpointMatches(selector: EndpointSelector, address: string, port: number): boolean {
  if (selector.port !== undefined && selector.port !== port) return false;
  return selector.address === undefined || selector.address === canonicalAddress(address);
}

// Write an endpoint as tshark's Follow does: `10.0.0.1:80`, `[fd00::1]:80`.
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
