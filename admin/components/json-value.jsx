// A JSON field on a show page (an AI log's input and result): numbers as text, rows of numbers as a table,
// anything else as indented JSON. Not type-checked by tsc.
import React from 'react';
import { Box, Table, TableBody, TableCell, TableRow, Text, ValueGroup } from '@adminjs/design-system';
import { flat, useTranslation } from 'adminjs';

// AdminJS labels a mixed property by its path: written as the other labels are

const isRow = (v) => Array.isArray(v) && v.every((x) => typeof x === 'number');

const Value = ({ value }) => {
  if (value === null || value === undefined) return <Text>—</Text>;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return <Text>{String(value)}</Text>;
  if (isRow(value)) return <Text>{value.join(', ')}</Text>;
  if (Array.isArray(value) && value.every(isRow)) {
    return (
      <Table>
        <TableBody>
          {value.map((r, i) => (
            <TableRow key={i}>
              <TableCell>{i + 1}</TableCell>
              <TableCell>{r.join(', ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }
  return (
    <Box as="pre" style={{ whiteSpace: 'pre-wrap' }}>
      {JSON.stringify(value, null, 2)}
    </Box>
  );
};

const JsonValue = (props) => {
  const { property, record } = props;
  const { translateProperty } = useTranslation();
  const value = flat.unflatten(record.params || {})[property.path];
  return (
    <ValueGroup label={translateProperty(property.label, property.resourceId)}>
      <Box data-testid={`agora-json-${property.path}`}>
        <Value value={value} />
      </Box>
    </ValueGroup>
  );
};

export default JsonValue;
