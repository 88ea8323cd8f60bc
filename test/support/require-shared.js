// Jest globalSetup: the tests read the schemas and reference data in ../shared, beside the repository. Without them, say so
// once, before any test, instead of failing every file that reads them.
const fs = require('fs');
const path = require('path');

module.exports = async () => {
  const shared = path.resolve(__dirname, '..', '..', '..', 'shared');
  if (!fs.existsSync(path.join(shared, 'schemas')) || !fs.existsSync(path.join(shared, 'reference'))) {
    throw new Error(`The tests read the schemas and reference data in ${shared}, which is missing: check out the project's shared `
      + 'reference directory beside this repository (../shared, with schemas/ and reference/), as .ci/run expects.');
  }
};
