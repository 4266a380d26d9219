// Test harness, not part of the codec: loads bench-codec.js as a payload server would (plain
// script, no module system), checks it parses as ECMAScript 5.1 with acorn, then answers the
// calls listed in a JSON file: [{"fn": "decodeUplink", "input": {...}}, ...] -> JSON results.
var fs = require("fs");
var vm = require("vm");
var path = process.argv[2];
var calls = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
var source = fs.readFileSync(path, "utf8");
if (process.argv[4]) {
  var acorn = require(process.argv[4]);
  acorn.parse(source, { ecmaVersion: 5, sourceType: "script" });
}
var sandbox = {};
vm.createContext(sandbox);
vm.runInContext(source, sandbox, { filename: path });
var results = calls.map(function (call) {
  var target = sandbox[call.fn];
  return typeof target === "function" ? target(call.input) : target; // a table, for the tests
});
process.stdout.write(JSON.stringify(results));
