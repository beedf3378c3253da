// Fails when contracts.ts and the C# contracts (../Netra.Contracts) disagree: record property
// names and order (camel-cased, as the server's JSON writes them), hub method names, the
// INetraClient event names, error codes and channel constants.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentEventTypes, Channels, ErrorCodes, HubMethods, HubPath, NetraEventNames, NotificationTypes, RecordFields } from './contracts';

const root = resolve(__dirname, '../../../Netra.Contracts');

function csFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'bin' || name === 'obj' ? [] : csFiles(path);
    return name.endsWith('.cs') ? [path] : [];
  });
}

const sources = csFiles(root).map((path) => readFileSync(path, 'utf8').replace(/\/\/.*$/gm, ''));
const camel = (name: string) => name[0]!.toLowerCase() + name.slice(1);

/** Splits on commas outside <...> and (...). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '<' || ch === '(' || ch === '[') depth++;
    if (ch === '>' || ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** `record X(Type A, Type B = 0)` → { X: ['a', 'b'] } (positional records only). */
export function parseRecords(source: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const re = /\brecord\s+(?:struct\s+|class\s+)?(\w+)\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\)/g;
  for (const m of source.matchAll(re)) {
    // A parameter is `Type Name` or `Type Name = default`: the name is the last word before any default.
    out[m[1]!] = splitTopLevel(m[2]!).map((param) => camel(param.replace(/\s*=[\s\S]*$/, '').split(/\s+/).at(-1)!));
  }
  return out;
}

function constants(className: string): Record<string, string> {
  for (const source of sources) {
    const body = new RegExp(`static class ${className}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
    if (!body) continue;
    const out: Record<string, string> = {};
    for (const m of body.matchAll(/const\s+\w+\s+(\w+)\s*=\s*([^;]+);/g)) {
      const value = m[2]!.trim();
      const literal = /^"(.*)"$/.exec(value)?.[1];
      const nameOf = /^nameof\((\w+)\)$/.exec(value)?.[1];
      out[m[1]!] = literal ?? nameOf ?? value;
    }
    return out;
  }
  throw new Error(`static class ${className} not found under ${root}`);
}

const csRecords = Object.assign({}, ...sources.map(parseRecords)) as Record<string, string[]>;

describe('contracts.ts mirrors Netra.Contracts', () => {
  it('finds the C# sources', () => {
    expect(sources.length).toBeGreaterThan(10);
    expect(csRecords.ChatMessage).toBeDefined();
  });

  it('parses positional records, generic parameters included', () => {
    expect(parseRecords('public sealed record X(IReadOnlyList<long>? MemberIds, Dictionary<string, int> Map, string A);'))
      .toEqual({ X: ['memberIds', 'map', 'a'] });
    expect(parseRecords('public sealed record Y(long Id, DateTimeOffset? EditedAt = null, bool Deleted = false);'))
      .toEqual({ Y: ['id', 'editedAt', 'deleted'] });
  });

  it.each(Object.keys(RecordFields))('record %s has the same properties in the same order', (name) => {
    expect(csRecords[name], `no C# record ${name}`).toBeDefined();
    expect([...RecordFields[name as keyof typeof RecordFields]]).toEqual(csRecords[name]);
  });

  it('covers every C# DTO record (ChannelName is a server-side helper, not a payload)', () => {
    const missing = Object.keys(csRecords).filter((n) => !(n in RecordFields) && n !== 'ChannelName');
    expect(missing).toEqual([]);
  });

  it('has the hub method names of HubMethods.cs', () => {
    expect(HubMethods).toEqual(constants('HubMethods'));
    expect(HubPath).toEqual(constants('HubPath'));
  });

  it('has the event names of INetraClient.cs, in order', () => {
    const source = sources.find((s) => s.includes('interface INetraClient'))!;
    const names = [...source.matchAll(/Task\s+(\w+)\s*\(/g)].map((m) => m[1]);
    expect([...NetraEventNames]).toEqual(names);
  });

  it('has the error codes of ErrorCodes.cs', () => {
    expect(ErrorCodes).toEqual(constants('ErrorCodes'));
  });

  it('has the agent event types of AgentEventTypes.cs', () => {
    expect(AgentEventTypes).toEqual(constants('AgentEventTypes'));
  });

  it('has the notification types of NotificationTypes.cs', () => {
    expect(NotificationTypes).toEqual(constants('NotificationTypes'));
  });

  it('builds channel names like Channels.cs', () => {
    const cs = constants('Channels');
    expect(String(Channels.MaxNameLength)).toBe(cs.MaxNameLength);
    for (const key of ['Feed', 'Presence', 'Issues', 'Alerts'] as const) expect(Channels[key]).toBe(cs[key]);
    expect(Channels.chat(42)).toBe(`${cs.ChatPrefix}42`);
    expect(Channels.issue('NET-1')).toBe(`${cs.IssuePrefix}NET-1`);
    expect(Channels.chatIdOf('chat:42')).toBe(42);
    expect(Channels.chatIdOf('chat:042')).toBeNull();
  });
});
