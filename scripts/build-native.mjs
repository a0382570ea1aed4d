#!/usr/bin/env node
// Optional native backend (OpenBLAS / Accelerate). Built only when the library is found; never fails install.
console.log('[native] not built yet');
