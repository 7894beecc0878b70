// The details of an audit event as fields: one line each, a change shown as before → after.
// Not type-checked by tsc.
import React from 'react';
import { Box, Text, ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

const show = (v) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const isChange = (v) => v && typeof v === 'object' && !Array.isArray(v) && 'before' in v && 'after' in v;

const AuditDetails = (props) => {
  const { record, resource } = props;
  const { translateComponent } = useTranslation();
  let details = null;
  try {
    details = record.params.details ? JSON.parse(record.params.details) : null;
  } catch {
    details = null;
  }
  const entries = details && typeof details === 'object' ? Object.entries(details) : [];
  return (
    <ValueGroup label={translateComponent('Agora.details', resource.id)}>
      {!entries.length ? <Text>—</Text> : null}
      {entries.map(([key, value]) => (
        <Box key={key} flex mb="sm" data-testid={`agora-audit-detail-${key}`}>
          <Text fontWeight="bold" mr="default">
            {key}
          </Text>
          <Text>{isChange(value) ? `${show(value.before)} → ${show(value.after)}` : Array.isArray(value) ? value.map(show).join(', ') : show(value)}</Text>
        </Box>
      ))}
    </ValueGroup>
  );
};

export default AuditDetails;
