export {};

// Container entry (ECS Fargate): the same server as locally, listening on every interface so the
// load balancer's target group reaches it, unless HOST says otherwise.
process.env['HOST'] ??= '0.0.0.0';
await import('./server');
