# The optional native backend. scripts/build-native.mjs sets the variables (the BLAS library and its directory);
# the defaults build against a system OpenBLAS.
{
  "variables": {
    "blas_lib%": "openblas",
    "blas_lib_dir%": "",
  },
  "targets": [
    {
      "target_name": "supple_native",
      "sources": ["supple_native.cc"],
      # Release builds get -O3 from Node's common.gypi.
      "cflags_cc": ["-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS=='mac'", {
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CFLAGS": ["-Wall"],
          },
        }],
        ["OS!='mac' and blas_lib_dir!=''", {
          # rpath so the addon finds a library outside the loader's default path (Homebrew, a custom prefix).
          "libraries": ["-L<(blas_lib_dir)", "-Wl,-rpath,<(blas_lib_dir)", "-l<(blas_lib)"],
        }],
        ["OS!='mac' and blas_lib_dir==''", {
          "libraries": ["-l<(blas_lib)"],
        }],
      ],
    }
  ]
}
