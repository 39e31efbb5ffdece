"""What other programs call: the Sales CRM's webhook and the Temporal UI's codec."""
