// An Express API that trusts ServerlessAuth tokens and refuses revoked ones within a second.
//   ISSUER, AUDIENCE, CLIENT_ID, CLIENT_SECRET (a client registered with `admin clients add`), PORT (5081).
//   REQUIRE_HTTPS=false only for an issuer served over plain http on this machine.
// If the issuer uses the ASP.NET Core development certificate, trust it with NODE_EXTRA_CA_CERTS.
import express from 'express';
import { createServerlessAuth } from 'serverlessauth-express';

const required = (name) => process.env[name] || (console.error(`Set ${name}.`), process.exit(64));

const auth = createServerlessAuth({
  issuer: required('ISSUER'),
  audience: required('AUDIENCE'),
  clientId: required('CLIENT_ID'),
  clientSecret: required('CLIENT_SECRET'),
  requireHttps: process.env.REQUIRE_HTTPS !== 'false',
});

const app = express();
app.disable('x-powered-by');

app.get('/hello', auth.requireAuth(), (req, res) => {
  res.json({ sub: req.auth.sub, name: req.auth.name });
});

// Healthy while the revocation state is fresh; 503 while tokens would be answered 503.
app.get('/health', (req, res) => {
  const health = auth.health();
  res.status(health.status === 'healthy' ? 200 : 503).json(health);
});

const port = Number(process.env.PORT ?? 5081);
app.listen(port, '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${port} (issuer ${process.env.ISSUER})`));
