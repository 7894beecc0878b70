// An edit field with its help shown under it (AdminJS puts a property's description behind a "?" icon,
// where a rule that decides whether the form is accepted goes unread). Not type-checked by tsc.
import React from 'react';
import { Box, Text } from '@adminjs/design-system';
import { BasePropertyComponent, useTranslation } from 'adminjs';

const HelpEdit = (props) => {
  const { property } = props;
  const { translateMessage } = useTranslation();
  const Edit = property.type === 'textarea' ? BasePropertyComponent.TextArea.Edit : BasePropertyComponent.DefaultType.Edit;
  return (
    <Box>
      <Edit {...props} property={{ ...property, description: undefined }} />
      <Text variant="sm" color="grey60" mt="-lg" mb="xl" data-testid={`agora-help-${property.path}`}>
        {property.description ? translateMessage(property.description, property.resourceId, property.custom?.vars) : null}
      </Text>
    </Box>
  );
};

export default HelpEdit;
