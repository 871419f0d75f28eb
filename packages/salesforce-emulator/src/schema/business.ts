import { AUDIT_FIELDS, defineObject, field, reference, systemField } from './builder.js';
import type { ObjectDefinition } from './builder.js';

const ownerField = reference('OwnerId', ['User'], 'Owner', { nillable: false });

export const accountObject: ObjectDefinition = defineObject({
  name: 'Account',
  keyPrefix: '001',
  createable: true,
  updateable: true,
  deletable: true,
  softDelete: true,
  fields: [
    field('Name', 'string', { nillable: false }),
    field('Industry', 'picklist'),
    field('AccountNumber', 'string', { length: 40 }),
    ownerField,
    ...AUDIT_FIELDS,
  ],
  childRelationships: [
    { relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'AccountId' },
  ],
  requiredOnCreate: ['Name'],
});

export const opportunityObject: ObjectDefinition = defineObject({
  name: 'Opportunity',
  keyPrefix: '006',
  createable: true,
  updateable: true,
  deletable: true,
  softDelete: true,
  fields: [
    field('Name', 'string', { nillable: false, length: 120 }),
    reference('AccountId', ['Account'], 'Account'),
    field('StageName', 'picklist', { nillable: false }),
    field('CloseDate', 'date', { nillable: false }),
    field('Amount', 'currency'),
    ownerField,
    ...AUDIT_FIELDS,
  ],
  requiredOnCreate: ['Name', 'StageName', 'CloseDate'],
});

export const taskObject: ObjectDefinition = defineObject({
  name: 'Task',
  keyPrefix: '00T',
  createable: true,
  updateable: true,
  deletable: true,
  softDelete: true,
  fields: [
    field('Subject', 'string'),
    field('Status', 'picklist', { nillable: false }),
    field('Priority', 'picklist', { nillable: false }),
    field('ActivityDate', 'date'),
    reference('WhatId', ['Account', 'Opportunity'], 'What'),
    // Salesforce archives closed tasks due over 365 days ago; only queryAll returns archived rows
    // (SOAP API Developer Guide "queryAll()"; Object Reference "Task": IsArchived).
    systemField('IsArchived', 'boolean', { nillable: false }),
    ownerField,
    ...AUDIT_FIELDS,
  ],
  requiredOnCreate: ['Status', 'Priority'],
});
