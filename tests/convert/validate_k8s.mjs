// Validates Kubernetes objects against the OpenAPI schemas the npm package
// kubernetes-models carries (no cluster needed).
// Usage: node validate_k8s.mjs MODULES_DIR OBJECTS.json
//   OBJECTS.json: [{"source": "file name", "object": {...}}, ...]
// Prints one line per invalid object and exits 1 if any; exits 2 when a kind has no model.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modules, objectsPath] = process.argv.slice(2);
const objects = JSON.parse(readFileSync(objectsPath, "utf8"));

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment.js; the core group
// ("v1") has no group folder.
function modelPath(apiVersion, kind) {
  return `${modules}/node_modules/kubernetes-models/${apiVersion}/${kind}.js`;
}

let invalid = 0;
for (const { source, object } of objects) {
  let Model;
  try {
    const mod = await import(pathToFileURL(modelPath(object.apiVersion, object.kind)).href);
    Model = mod[object.kind];
  } catch (e) {
    console.log(`${source}: no schema for ${object.apiVersion} ${object.kind}: ${e.message}`);
    process.exit(2);
  }
  try {
    new Model(object).validate();
  } catch (e) {
    invalid++;
    console.log(`${source}: ${object.kind} ${object.metadata?.name}: ${e.message}`);
  }
}
console.log(`${objects.length - invalid} valid, ${invalid} invalid`);
process.exit(invalid ? 1 : 0);
