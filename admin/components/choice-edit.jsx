// A select field offering only the values the operator may choose for this record, as the edit action's
// GET answer lists them (record.agoraChoices[path], decided by the access rules on the server); with a
// single choice the field is shown read-only, with the reason. Not type-checked by tsc.
import React from 'react';
import { Box, Text } from '@adminjs/design-system';
import { BasePropertyComponent } from 'adminjs';

const ChoiceEdit = (props) => {
  const { property, record } = props;
  const choices = record.agoraChoices ? record.agoraChoices[property.path] : undefined;
  const Edit = BasePropertyComponent.DefaultType.Edit;
  if (!choices) return <Edit {...props} />;
  const allowed = (property.availableValues || []).filter((v) => choices.values.includes(v.value));
  const fixed = allowed.length < 2;
  return (
    <Box data-testid={`agora-choice-${property.path}`}>
      <Edit {...props} property={{ ...property, availableValues: allowed, isDisabled: fixed || property.isDisabled }} />
      {fixed && choices.note ? (
        <Text variant="sm" color="grey60" mt="-lg" mb="xl" data-testid={`agora-choice-${property.path}-note`}>
          {choices.note}
        </Text>
      ) : null}
    </Box>
  );
};

export default ChoiceEdit;
