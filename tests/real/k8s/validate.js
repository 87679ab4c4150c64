#!/usr/bin/env node
// Offline schema check of Kubernetes manifests with the npm package kubernetes-models (its
// JSON schemas, about Kubernetes 1.30): every document of every file is turned into the model
// class for its apiVersion and kind and validated (types, required fields, formats). It does NOT
// see unknown or misspelt fields (the schemas allow extra properties): strict_fields.py does.
//
// Usage: node validate.js MANIFEST.yaml...
// Prints one line per document, "OK   FILE#N Kind/name" or "FAIL FILE#N Kind/name: PROBLEM; ...",
// N counting documents from 1. Exit 0 = all valid, 1 = a document is invalid (or a file holds
// no document), 2 = usage error or unreadable file.
//
// YAML is read the way the Kubernetes API machinery reads it (YAML 1.1 scalars: yes/no/on/off
// are booleans, 0755 is octal), except that timestamps and 1:30-style numbers stay strings.
'use strict';

const fs = require('fs');
const YAML = require('yaml');

const PARSE_OPTIONS = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter((t) => t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'),
};

// kubernetes-models lays its classes out by apiVersion: kubernetes-models/v1/Pod,
// kubernetes-models/apps/v1/Deployment, kubernetes-models/networking.k8s.io/v1/Ingress.
const API_VERSION = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { problem: 'apiVersion and kind must both be strings' };
  }
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) {
    return { problem: `not a Kubernetes apiVersion/kind: ${apiVersion} ${kind}` };
  }
  const id = `kubernetes-models/${apiVersion}/${kind}`;
  let mod;
  try {
    mod = require(id);
  } catch (e) {
    const notThere = e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ||
      (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(id));
    if (notThere) {
      return { problem: `kubernetes-models has no ${apiVersion} ${kind}` };
    }
    throw e;
  }
  return mod[kind] ? { Model: mod[kind] } : { problem: `${id} exports no class ${kind}` };
}

function describe(err) {
  if (Array.isArray(err.errors) && err.errors.length) {
    return err.errors
      .map((e) => {
        const where = e.instancePath || '/';
        const extra = e.params && e.params.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : '';
        return `${where} ${e.message}${extra}`;
      })
      .join('; ');
  }
  return err.message || String(err);
}

function main(files) {
  if (files.length === 0 || files.some((f) => f === '-h' || f === '--help')) {
    process.stderr.write('usage: node validate.js MANIFEST.yaml...\n');
    return 2;
  }
  let documents = 0;
  let invalid = 0;
  let unreadable = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      console.log(`FAIL ${file}: cannot read: ${e.message}`);
      unreadable++;
      continue;
    }
    let inFile = 0;
    YAML.parseAllDocuments(text, PARSE_OPTIONS).forEach((doc, i) => {
      const where = `${file}#${i + 1}`;
      if (doc.errors.length) {
        inFile++;
        invalid++;
        console.log(`FAIL ${where}: YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
        return;
      }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) return; // an empty document, e.g. after a final ---
      inFile++;
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        invalid++;
        console.log(`FAIL ${where}: the document is not a mapping`);
        return;
      }
      const name = `${obj.kind}/${(obj.metadata && obj.metadata.name) || '(no name)'}`;
      const { Model, problem } = modelFor(obj.apiVersion, obj.kind);
      if (!Model) {
        invalid++;
        console.log(`FAIL ${where} ${name}: ${problem}`);
        return;
      }
      try {
        new Model(obj).validate();
        console.log(`OK   ${where} ${name}`);
      } catch (e) {
        invalid++;
        console.log(`FAIL ${where} ${name}: ${describe(e)}`);
      }
    });
    if (inFile === 0) {
      invalid++;
      console.log(`FAIL ${file}: no Kubernetes document in the file`);
    }
    documents += inFile;
  }
  console.log(`validate.js: ${documents} documents, ${invalid} invalid`);
  return unreadable ? 2 : invalid ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
