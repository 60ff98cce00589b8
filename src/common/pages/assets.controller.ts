import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/decorators';
import { APP_CSS } from './styles';

@Controller('assets')
@Public()
export class AssetsController {
  @Get('app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return APP_CSS;
  }
}
