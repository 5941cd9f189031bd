import type { KeyAttribute, TableDefinition } from '@lgm/persistence';
import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Properties of {@link DataTable}. */
export interface DataTableProps {
  /** The shared definition from `@lgm/persistence`; the local bootstrap creates the same table. */
  readonly definition: TableDefinition;
  /** Customer managed key; the AWS managed key (`aws/dynamodb`) when absent. */
  readonly encryptionKey?: IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

const ATTRIBUTE_TYPES: Readonly<Record<KeyAttribute['type'], AttributeType>> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

const PROJECTIONS: Readonly<
  Record<TableDefinition['globalSecondaryIndexes'][number]['projection'], ProjectionType>
> = {
  ALL: ProjectionType.ALL,
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
};

function toAttribute(attribute: KeyAttribute): Attribute;
function toAttribute(attribute: KeyAttribute | undefined): Attribute | undefined;
function toAttribute(attribute: KeyAttribute | undefined): Attribute | undefined {
  return attribute && { name: attribute.name, type: ATTRIBUTE_TYPES[attribute.type] };
}

/**
 * An on-demand DynamoDB table built from a {@link TableDefinition}: point-in-time recovery,
 * encryption at rest with a KMS key, TTL on the definition's attribute.
 */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataTableProps) {
    super(scope, id);
    const { definition } = props;

    this.table = new Table(this, 'Table', {
      partitionKey: toAttribute(definition.partitionKey),
      sortKey: toAttribute(definition.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: TableEncryption.AWS_MANAGED }),
      timeToLiveAttribute: definition.timeToLiveAttribute,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    for (const index of definition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        sortKey: toAttribute(index.sortKey),
        projectionType: PROJECTIONS[index.projection],
      });
    }
  }
}
