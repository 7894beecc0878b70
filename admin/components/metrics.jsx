// The training metrics of an AI model (show page): hold-out and training scores, the rows of each split,
// and the fitted equation, one coefficient per feature by name. Not type-checked by tsc.
import React from 'react';
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Text, ValueGroup } from '@adminjs/design-system';
import { flat } from 'adminjs';

const num = (v, digits = 4) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(digits + 2)).toString() : '—');

const Figure = ({ label, value, testId }) => (
  <Box mr="xxl" mb="lg">
    <Text variant="sm" color="grey60">
      {label}
    </Text>
    <Text fontSize="h4" fontWeight="bold" data-testid={testId}>
      {value}
    </Text>
  </Box>
);

const Metrics = (props) => {
  const { property, record } = props;
  const m = flat.unflatten(record.params || {})[property.path];
  return (
    <ValueGroup label={property.label.charAt(0).toUpperCase() + property.label.slice(1)}>
      <Box data-testid="agora-metrics">
        {!m || typeof m !== 'object' ? (
          <Text data-testid="agora-metrics-empty">Not trained yet.</Text>
        ) : (
          <Box>
            <Box flex flexWrap="wrap">
              <Figure label="RMSE (hold-out)" value={num(m.rmse)} testId="agora-metric-rmse" />
              <Figure label="R² (hold-out)" value={num(m.r2)} testId="agora-metric-r2" />
              <Figure label="RMSE (training)" value={num(m.trainRmse)} testId="agora-metric-train-rmse" />
              <Figure label="R² (training)" value={num(m.trainR2)} testId="agora-metric-train-r2" />
              <Figure label="Rows" value={m.rows ?? '—'} testId="agora-metric-rows" />
              <Figure label="Training rows" value={m.trainRows ?? '—'} testId="agora-metric-train-rows" />
              <Figure label="Hold-out rows" value={m.testRows ?? '—'} testId="agora-metric-test-rows" />
            </Box>
            <Table data-testid="agora-metric-coefficients">
              <TableHead>
                <TableRow>
                  <TableCell>Feature</TableCell>
                  <TableCell>Coefficient</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {(m.features || []).map((f, i) => (
                  <TableRow key={f}>
                    <TableCell>{f}</TableCell>
                    <TableCell>{num((m.coefficients || [])[i])}</TableCell>
                  </TableRow>
                ))}
                <TableRow>
                  <TableCell>(intercept)</TableCell>
                  <TableCell>{num(m.intercept)}</TableCell>
                </TableRow>
              </TableBody>
            </Table>
            {m.target ? (
              <Text mt="default" variant="sm">
                Target column: {m.target}
              </Text>
            ) : null}
          </Box>
        )}
      </Box>
    </ValueGroup>
  );
};

export default Metrics;
