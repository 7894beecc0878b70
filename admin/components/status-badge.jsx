// A status as a badge coloured by what it means: a failed job or a ban in red, a finished job in green, a
// running one in blue, a queued one grey; "not banned" as plain text; a closed account as a "Closed" badge
// with its date. For list and show pages. Not type-checked by tsc.
import React from 'react';
import { Badge, Text, ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

const JOB = { failed: 'danger', succeeded: 'success', running: 'info', queued: undefined };
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** What to show for the property's raw value: a badge (text, variant) or plain text. */
function look(path, raw, word) {
  if (raw === undefined || raw === null || raw === '') return path === 'deletedAt' ? { text: '—' } : null;
  if (path === 'isBanned') return raw === true || raw === 'true' ? { badge: true, text: word('yes'), variant: 'danger' } : { text: word('no') };
  if (path === 'deletedAt') {
    const at = new Date(raw);
    return { badge: true, text: word('closed'), variant: 'danger', note: Number.isNaN(at.getTime()) ? String(raw) : at.toLocaleDateString() };
  }
  const value = String(raw);
  // a job status has its word (components.Agora.jobQueued …); any other value shows as it is, capitalised
  return { badge: true, text: word(`job${capital(value)}`, capital(value)), variant: JOB[value] };
}

const StatusBadge = (props) => {
  const { record, property, where, resource } = props;
  const { translateProperty, translateComponent } = useTranslation();
  const word = (key, fallback) => translateComponent(`Agora.${key}`, resource.id, fallback ? { defaultValue: fallback } : undefined);
  const shown = look(property.path, record?.params?.[property.path], word);
  if (!shown) return null;
  const body = (
    <span data-testid={`agora-status-${property.path}`} data-variant={shown.variant || 'default'}>
      {shown.badge ? (
        <Badge size="sm" variant={shown.variant}>
          {shown.text}
        </Badge>
      ) : (
        <Text as="span">{shown.text}</Text>
      )}
      {shown.note ? (
        <Text as="span" ml="default">
          {shown.note}
        </Text>
      ) : null}
    </span>
  );
  return where === 'show' ? <ValueGroup label={translateProperty(property.label, resource.id)}>{body}</ValueGroup> : body;
};

export default StatusBadge;
