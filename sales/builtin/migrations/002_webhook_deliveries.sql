-- Sales CRM webhook deliveries by the CRM's OperationId: a retried delivery is a no-op.
CREATE TABLE webhook_deliveries (
    operation_id text PRIMARY KEY,
    message_name text NOT NULL,
    entity_name  text NOT NULL,
    entity_id    text NOT NULL,
    outcome      text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
