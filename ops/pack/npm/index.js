'use strict';
// Where the .proto files are, for @grpc/proto-loader: loadSync('complaints/v1/complaint_service.proto', { includeDirs: [protosDir,
// path.dirname(require('google-proto-files').getProtoPath())] }) (google/api/field_behavior.proto comes from google-proto-files).
const path = require('node:path');

exports.protosDir = path.join(__dirname, 'protos');
