'use strict';
// Where the .proto files are, for @grpc/proto-loader: loadSync('complaints/v1/complaint_service.proto', { includeDirs: [protosDir] }).
const path = require('node:path');

exports.protosDir = path.join(__dirname, 'protos');
