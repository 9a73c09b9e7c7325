# Browser tests of the web UI (tests/browser/ui_test.mjs): playwright-core from npm driving
# Debian's chromium. `npm ci` is a fixture set-up step, so a fresh checkout needs no manual
# step; without node, npm or chromium the test FAILS (make test installs them), never skips.
find_program(TRIAGE_NODE node)
find_program(TRIAGE_NPM npm)
set(_browser_dir ${PROJECT_SOURCE_DIR}/tests/browser)
if(TRIAGE_NODE AND TRIAGE_NPM)
  add_test(NAME browser_npm_ci
    COMMAND ${TRIAGE_NPM} ci --prefer-offline --no-audit --no-fund
    WORKING_DIRECTORY ${_browser_dir})
  set_tests_properties(browser_npm_ci PROPERTIES FIXTURES_SETUP browser_node_modules TIMEOUT 300)
  add_test(NAME browser_ui
    COMMAND ${TRIAGE_NODE} ${_browser_dir}/ui_test.mjs --triaged $<TARGET_FILE:triaged> --triage $<TARGET_FILE:triage>
            --out ${CMAKE_BINARY_DIR}/screenshots
    WORKING_DIRECTORY ${_browser_dir})
  set_tests_properties(browser_ui PROPERTIES FIXTURES_REQUIRED browser_node_modules TIMEOUT 180)
else()
  add_test(NAME browser_ui COMMAND sh -c "echo 'node and npm are missing: run scripts/install-deps'; exit 1")
endif()
