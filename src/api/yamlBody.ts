import express from 'express';

// Catalog documents may be sent as YAML text; the route parses them itself.
export const yamlBody = express.text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], limit: '2mb' });
